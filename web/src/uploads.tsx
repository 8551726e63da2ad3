// Drag and drop (or choose) files: each is uploaded straight to storage through the platform's plan (upload.ts)
// with its own progress bar and a total; duplicates and failures say so per file.
import { useRef, useState } from 'preact/hooks';
import { uploadFile, type UploadItem } from './upload';

const PARALLEL_FILES = 3;

/** `onChange` is told when an upload's asset exists (it is listed as uploading) and when its bytes are sent. */
export function Uploads({ projectId, onChange }: { projectId?: string; onChange: () => void }) {
  const [items, setItems] = useState<UploadItem[]>([]);
  const [over, setOver] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  if (!projectId) return <p class="note">Your token grants no project you may upload to.</p>;

  const listed = new Set<string>();
  const refresh = (item: UploadItem) => {
    setItems((list) => [...list]);
    if (item.status === 'uploading' && !listed.has(item.id)) {
      listed.add(item.id);
      onChange();
    }
  };
  const add = (files: FileList | File[]) => {
    const added = [...files].filter((f) => f.size > 0).map((file): UploadItem => ({ id: crypto.randomUUID(), file, sent: 0, status: 'hashing' }));
    setItems((list) => [...list, ...added]);
    const queue = [...added];
    const worker = async () => {
      for (let item = queue.shift(); item; item = queue.shift()) {
        await uploadFile(item, projectId, refresh);
        onChange();
      }
    };
    for (let i = 0; i < PARALLEL_FILES; i++) void worker();
  };
  const totalBytes = items.reduce((sum, i) => sum + i.file.size, 0);
  const sentBytes = items.reduce((sum, i) => sum + i.sent, 0);
  const totalPercent = totalBytes ? Math.round((100 * sentBytes) / totalBytes) : 0;
  const open = items.filter((i) => i.status === 'hashing' || i.status === 'uploading').length;

  return (
    <section class="uploads" aria-label="Upload">
      <div
        class={over ? 'dropzone over' : 'dropzone'}
        data-testid="dropzone"
        onDragEnter={(e) => { e.preventDefault(); setOver(true); }}
        onDragOver={(e) => { e.preventDefault(); e.dataTransfer!.dropEffect = 'copy'; }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => { e.preventDefault(); setOver(false); if (e.dataTransfer?.files.length) add(e.dataTransfer.files); }}
      >
        <span>Drop files here to upload to <strong>{projectId}</strong>, or</span>
        <button type="button" onClick={() => input.current!.click()}>choose files</button>
        <input ref={input} type="file" multiple hidden aria-label="Files to upload" onChange={(e) => { if (e.currentTarget.files) add(e.currentTarget.files); e.currentTarget.value = ''; }} />
      </div>
      {items.length > 0 && (
        <div class="progress-list">
          <div class="total">
            <label for="upload-total">Total {open ? `(${open} in progress)` : ''}</label>
            <progress id="upload-total" max={100} value={totalPercent} />
            <span class="percent" data-testid="total-percent">{totalPercent} %</span>
            {!open && <button type="button" class="link" onClick={() => setItems([])}>Clear</button>}
          </div>
          <ul>
            {items.map((item) => {
              const percent = item.file.size ? Math.round((100 * item.sent) / item.file.size) : 100;
              return (
                <li key={item.id} class={`upload ${item.status}`} data-filename={item.file.name} data-status={item.status}>
                  <span class="name">{item.file.name}</span>
                  <progress max={100} value={percent} aria-label={`${item.file.name} upload progress`} />
                  <span class="percent">{percent} %</span>
                  <span class="status">
                    {item.status === 'hashing' ? 'checking…' : item.status === 'uploading' ? 'uploading' : item.status === 'done' ? 'uploaded' : item.status === 'duplicate' ? <a href={`#/asset/${item.assetId}`}>already in the library</a> : `failed: ${item.message}`}
                  </span>
                </li>
              );
            })}
          </ul>
        </div>
      )}
    </section>
  );
}
