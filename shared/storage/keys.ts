// The object key layout, in one place. Every object of an asset lives under <project>/<asset>/ in each bucket:
//   incoming    <project>/<asset>/original.<ext>   what the client uploads
//   masters     the same key as in incoming        the verified original
//   renditions  <project>/<asset>/<path>           previews, posters, HLS (paths relative to each other)
// Keys never come from the client's filename (it is sanitised and kept for display and downloads).

function assetPrefix(projectId: string, assetId: string): string {
  for (const [name, value] of [['project id', projectId], ['asset id', assetId]]) {
    if (!value || value.includes('/') || value === '.' || value === '..') throw new Error(`${name} ${JSON.stringify(value)} cannot be part of an object key`);
  }
  return `${projectId}/${assetId}`;
}

/** Where the client uploads the original (incoming bucket). */
export function originalKey(projectId: string, assetId: string, extension: string): string {
  return `${assetPrefix(projectId, assetId)}/original.${extension}`;
}

/** Where the verified original goes in the masters bucket: the key it was uploaded under. */
export function masterKey(uploadedKey: string): string {
  return uploadedKey;
}

/** A rendition file; `path` is relative (e.g. `preview.mp4`, `hls/720p/index.m3u8`) and never climbs out. */
export function renditionKey(projectId: string, assetId: string, path: string): string {
  if (!path || path.startsWith('/') || path.split('/').some((part) => part === '..' || part === '.' || part === '')) {
    throw new Error(`rendition path ${JSON.stringify(path)} must be relative, without empty, "." or ".." parts`);
  }
  return `${assetPrefix(projectId, assetId)}/${path}`;
}

/** Every object of an asset, in every bucket, lies under this prefix (a purge lists and deletes them). */
export function assetObjectsPrefix(projectId: string, assetId: string): string {
  return `${assetPrefix(projectId, assetId)}/`;
}

/** Where the master of file version `n` (2 and up) is uploaded; its renditions go under the same folder. */
export function versionOriginalKey(projectId: string, assetId: string, fileVersion: number, extension: string): string {
  return `${assetPrefix(projectId, assetId)}/v${fileVersion}/original.${extension}`;
}

/** A rendition of file version `n`: version 1's at the asset's folder (as before versions), later ones under v<n>/. */
export function versionRenditionKey(projectId: string, assetId: string, fileVersion: number, path: string): string {
  return renditionKey(projectId, assetId, fileVersion > 1 ? `v${fileVersion}/${path}` : path);
}
