// Generated from the OpenAPI document by scripts/build-web.ts: do not edit.
export interface paths {
    "/uploads": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Start an upload: one presigned PUT, or a multipart plan above the threshold
         * @description Needs the editor role in the project.
         */
        post: operations["postUploads"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/uploads/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The plan again, with fresh URLs for the parts still missing (resume)
         * @description Needs the editor role in the project.
         */
        get: operations["getUploadsId"];
        put?: never;
        post?: never;
        /**
         * Cancel an open upload
         * @description Needs the editor role in the project.
         */
        delete: operations["deleteUploadsId"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/uploads/{id}/complete": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Complete a multipart upload
         * @description Needs the editor role in the project.
         */
        post: operations["postUploadsIdComplete"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/assets": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Every asset of your projects, newest first, cursor paged
         * @description Needs the viewer role in the project.
         */
        get: operations["getAssets"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/assets/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * An asset with metadata, AI results, renditions and presigned URLs
         * @description Needs the viewer role in the project.
         */
        get: operations["getAssetsId"];
        put?: never;
        post?: never;
        /**
         * Soft delete
         * @description Needs the editor role in the project.
         */
        delete: operations["deleteAssetsId"];
        options?: never;
        head?: never;
        /**
         * Edit title, description, tags and schema fields (If-Match for optimistic concurrency; a bad field is 400 naming it)
         * @description Needs the editor role in the project.
         */
        patch: operations["patchAssetsId"];
        trace?: never;
    };
    "/projects/{id}/trash": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The project's deleted assets, newest deletion first, with when each is purged
         * @description Needs the editor role in the project.
         */
        get: operations["getProjectsIdTrash"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/assets/{id}/restore": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Bring a deleted asset back from the trash, to the state it was deleted in
         * @description Needs the editor role in the project.
         */
        post: operations["postAssetsIdRestore"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/assets/{id}/purge": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Remove a trashed asset for good: objects, search document, faces; the history keeps a tombstone
         * @description Needs the admin role in the project.
         */
        post: operations["postAssetsIdPurge"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/projects/{id}/trash/purge-due": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Purge now what is past the project's trash retention (the scheduled sweep does the same)
         * @description Needs the admin role in the project.
         */
        post: operations["postProjectsIdTrashPurgeDue"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/assets/{id}/versions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Every file version with its master and renditions, downloadable
         * @description Needs the viewer role in the project.
         */
        get: operations["getAssetsIdVersions"];
        put?: never;
        /**
         * Upload a new file version of the asset (an upload plan; verified and rendered like any upload)
         * @description Needs the editor role in the project.
         */
        post: operations["postAssetsIdVersions"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/assets/{id}/versions/{n}/revert": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Make an earlier file version current again (its renditions come back with it)
         * @description Needs the editor role in the project.
         */
        post: operations["postAssetsIdVersionsNRevert"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/assets/{id}/history": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Every change, versioned
         * @description Needs the viewer role in the project.
         */
        get: operations["getAssetsIdHistory"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/assets/{id}/reprocess": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Make every rendition again
         * @description Needs the admin role in the project.
         */
        post: operations["postAssetsIdReprocess"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/assets/{id}/transitions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Move an asset through the editorial workflow (draft → in review → approved…)
         * @description Needs the editor role in the project.
         */
        post: operations["postAssetsIdTransitions"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/assets/{id}/labels/{label}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /**
         * Accept or reject a model's label
         * @description Needs the editor role in the project.
         */
        put: operations["putAssetsIdLabelsLabel"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/assets/{id}/hls/master.m3u8": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A video's HLS master playlist, naming its variant playlists (signed URL from the hls rendition) */
        get: operations["getAssetsIdHlsMasterM3u8"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/assets/{id}/hls/{variant}/index.m3u8": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A video's HLS variant playlist, its segments presigned (the master playlist's signature) */
        get: operations["getAssetsIdHlsVariantIndexM3u8"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/assets/{id}/thumbnails.vtt": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A video's scrubbing thumbnails track (signed URL from the sprite-vtt rendition) */
        get: operations["getAssetsIdThumbnailsVtt"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/projects/{id}/rebuild": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Rebuild the project's projections from its events
         * @description Needs the admin role in the project.
         */
        post: operations["postProjectsIdRebuild"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/projects/{id}/settings": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Project settings
         * @description Needs the viewer role in the project.
         */
        get: operations["getProjectsIdSettings"];
        /**
         * Change project settings
         * @description Needs the admin role in the project.
         */
        put: operations["putProjectsIdSettings"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/assets/{id}/original": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The original: 302 to its presigned URL, or with embed=xmp a copy (JPEG, PNG; TIFF, MP4 through ExifTool) carrying the current metadata as XMP
         * @description Needs the viewer role in the project.
         */
        get: operations["getAssetsIdOriginal"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/assets/batch": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * One metadata patch or editorial transition for many assets (ids, or a search query), each its own decision, a result per asset
         * @description Needs the editor role in the project.
         */
        post: operations["postAssetsBatch"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/assets/export.csv": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The metadata of the assets a search finds, as CSV: id, projectId, version, title, description, tags (|-separated) and a fields.<name> column per schema field (up to 5,000 rows; audited)
         * @description Needs the viewer role in the project.
         */
        get: operations["getAssetsExportCsv"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/assets/import.csv": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Apply a CSV of metadata (as exported; id required, version the expected version): each row a batch edit of the cells that differ, a result per row (audited)
         * @description Needs the editor role in the project.
         */
        post: operations["postAssetsImportCsv"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/projects/{id}/schema": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The project's metadata schema: built-in rights fields and its own typed fields (ETag: its version)
         * @description Needs the viewer role in the project.
         */
        get: operations["getProjectsIdSchema"];
        /**
         * Save a new schema version (expectedVersion or If-Match; stored values are never lost)
         * @description Needs the admin role in the project.
         */
        put: operations["putProjectsIdSchema"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/projects/{id}/schema/versions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The schema's versions, newest first
         * @description Needs the viewer role in the project.
         */
        get: operations["getProjectsIdSchemaVersions"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/projects/{id}/schema/versions/{version}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * One schema version
         * @description Needs the viewer role in the project.
         */
        get: operations["getProjectsIdSchemaVersionsVersion"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/projects/{id}/rights/expire": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Raise rights-expired for every asset whose rights expiry has begun (idempotent)
         * @description Needs the admin role in the project.
         */
        post: operations["postProjectsIdRightsExpire"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/persons": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * People found by face clustering
         * @description Needs the viewer role in the project.
         */
        get: operations["getPersons"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/persons/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * One person
         * @description Needs the viewer role in the project.
         */
        get: operations["getPersonsId"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /**
         * Name a person (null unnames)
         * @description Needs the editor role in the project.
         */
        patch: operations["patchPersonsId"];
        trace?: never;
    };
    "/persons/{id}/merge": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Merge this person into another of the project (`into`): their faces join that person, whose name wins (this one's if it has none); answers the kept person
         * @description Needs the editor role in the project.
         */
        post: operations["postPersonsIdMerge"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/search": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Text, semantic and hybrid search with filters, facets and cursor paging
         * @description Needs the viewer role in the project.
         */
        get: operations["getSearch"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/imports": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Start a bulk import (or list it with dryRun)
         * @description Needs the editor role in the project.
         */
        post: operations["postImports"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/imports/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * State, counts and throughput of an import
         * @description Needs the editor role in the project.
         */
        get: operations["getImportsId"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/imports/{id}/tasks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Tasks in source order
         * @description Needs the editor role in the project.
         */
        get: operations["getImportsIdTasks"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/imports/{id}/pause": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Pause an import
         * @description Needs the editor role in the project.
         */
        post: operations["postImportsIdPause"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/imports/{id}/resume": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Resume an import
         * @description Needs the editor role in the project.
         */
        post: operations["postImportsIdResume"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/imports/{id}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Cancel an import
         * @description Needs the editor role in the project.
         */
        post: operations["postImportsIdCancel"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/imports/{id}/report": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Every source item and what became of it (JSON, or CSV)
         * @description Needs the editor role in the project.
         */
        get: operations["getImportsIdReport"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/projects/{id}/channels": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The project's distribution channels
         * @description Needs the admin role in the project.
         */
        get: operations["getProjectsIdChannels"];
        put?: never;
        /**
         * Add a channel
         * @description Needs the admin role in the project.
         */
        post: operations["postProjectsIdChannels"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/projects/{id}/channels/{channelId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * Remove a channel
         * @description Needs the admin role in the project.
         */
        delete: operations["deleteProjectsIdChannelsChannelId"];
        options?: never;
        head?: never;
        /**
         * Change a channel
         * @description Needs the admin role in the project.
         */
        patch: operations["patchProjectsIdChannelsChannelId"];
        trace?: never;
    };
    "/projects/{id}/distribution-rules": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The project's distribution rules
         * @description Needs the admin role in the project.
         */
        get: operations["getProjectsIdDistributionRules"];
        put?: never;
        /**
         * Add a rule
         * @description Needs the admin role in the project.
         */
        post: operations["postProjectsIdDistributionRules"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/projects/{id}/distribution-rules/{ruleId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /**
         * Replace a rule
         * @description Needs the admin role in the project.
         */
        put: operations["putProjectsIdDistributionRulesRuleId"];
        post?: never;
        /**
         * Remove a rule
         * @description Needs the admin role in the project.
         */
        delete: operations["deleteProjectsIdDistributionRulesRuleId"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/projects/{id}/distribution-rules/{ruleId}/versions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A rule's versions
         * @description Needs the admin role in the project.
         */
        get: operations["getProjectsIdDistributionRulesRuleIdVersions"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/assets/{id}/publications": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * An asset's publications
         * @description Needs the viewer role in the project.
         */
        get: operations["getAssetsIdPublications"];
        put?: never;
        /**
         * Publish an asset to a channel
         * @description Needs the editor role in the project.
         */
        post: operations["postAssetsIdPublications"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/assets/{id}/publications/{publicationId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * Retract a publication
         * @description Needs the editor role in the project.
         */
        delete: operations["deleteAssetsIdPublicationsPublicationId"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/publications": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Publications of your projects
         * @description Needs the viewer role in the project.
         */
        get: operations["getPublications"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/publications/{id}/redrive": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Try a failed publication again
         * @description Needs the editor role in the project.
         */
        post: operations["postPublicationsIdRedrive"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/auth/config": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** How the workspace signs in (development token, OIDC provider for authorization code + PKCE) */
        get: operations["getAuthConfig"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/projects/{id}/collections": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The project's collections, newest first, cursor paged
         * @description Needs the viewer role in the project.
         */
        get: operations["getProjectsIdCollections"];
        put?: never;
        /**
         * Create a collection
         * @description Needs the editor role in the project.
         */
        post: operations["postProjectsIdCollections"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/collections/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A collection
         * @description Needs the viewer role in the project.
         */
        get: operations["getCollectionsId"];
        put?: never;
        post?: never;
        /**
         * Delete a collection (its assets stay; its share links stop working)
         * @description Needs the editor role in the project.
         */
        delete: operations["deleteCollectionsId"];
        options?: never;
        head?: never;
        /**
         * Rename a collection or change its description (If-Match for optimistic concurrency)
         * @description Needs the editor role in the project.
         */
        patch: operations["patchCollectionsId"];
        trace?: never;
    };
    "/collections/{id}/assets": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The collection's assets in order, cursor paged
         * @description Needs the viewer role in the project.
         */
        get: operations["getCollectionsIdAssets"];
        put?: never;
        /**
         * Add assets at a position (the end by default)
         * @description Needs the editor role in the project.
         */
        post: operations["postCollectionsIdAssets"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/collections/{id}/assets/{assetId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * Remove an asset from the collection
         * @description Needs the editor role in the project.
         */
        delete: operations["deleteCollectionsIdAssetsAssetId"];
        options?: never;
        head?: never;
        /**
         * Move an asset to a position
         * @description Needs the editor role in the project.
         */
        patch: operations["patchCollectionsIdAssetsAssetId"];
        trace?: never;
    };
    "/assets/{id}/shares": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Share an approved asset through a link (expiry, password, renditions, original)
         * @description Needs the editor role in the project.
         */
        post: operations["postAssetsIdShares"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/collections/{id}/shares": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Share a collection through a link
         * @description Needs the editor role in the project.
         */
        post: operations["postCollectionsIdShares"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/projects/{id}/shares": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The project's share links, revoked ones included
         * @description Needs the editor role in the project.
         */
        get: operations["getProjectsIdShares"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/shares/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * Revoke a share link (it then answers 410)
         * @description Needs the editor role in the project.
         */
        delete: operations["deleteSharesId"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/s/{token}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Open a share link: the shared asset or collection, read-only (Share-Password header for a protected link); recorded in the audit log */
        get: operations["getSToken"];
        put?: never;
        /** Open a password-protected share link */
        post: operations["postSToken"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/s/{token}/assets/{assetId}/renditions/{name}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Download a shared rendition: recorded, then redirected (302) to a short-lived presigned URL */
        get: operations["getSTokenAssetsAssetIdRenditionsName"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/s/{token}/assets/{assetId}/original": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Download the shared original, where the link allows it (302 to a presigned URL) */
        get: operations["getSTokenAssetsAssetIdOriginal"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/projects/{id}/audit": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The audit log: reads, downloads, share-link accesses, changes and admin actions, newest first, filtered, cursor paged
         * @description Needs the admin role in the project.
         */
        get: operations["getProjectsIdAudit"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/audit": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The audit log of the projects you administer (or those named), newest first, filtered, cursor paged
         * @description Needs the admin role in the project.
         */
        get: operations["getAudit"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/dead-letters": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Dead letters (the <STREAM>_DLQ stream, or the in-process ones), filtered by consumer, type and reason, paged
         * @description Needs the admin role in the project.
         */
        get: operations["getAdminDeadLetters"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/dead-letters/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * One dead letter with its event
         * @description Needs the admin role in the project.
         */
        get: operations["getAdminDeadLettersId"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/dead-letters/{id}/redrive": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Send a dead letter back to its consumer (processed once)
         * @description Needs the admin role in the project.
         */
        post: operations["postAdminDeadLettersIdRedrive"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/dead-letters/redrive": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Redrive every dead letter of a consumer, type or reason (all with an empty filter)
         * @description Needs the admin role in the project.
         */
        post: operations["postAdminDeadLettersRedrive"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/replays": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Rebuild a read model from the event log with no downtime (search, catalogue or all)
         * @description Needs the admin role in the project.
         */
        post: operations["postAdminReplays"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/replays/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * How a replay is going
         * @description Needs the admin role in the project.
         */
        get: operations["getAdminReplaysId"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Server-sent events: a `change` event (LiveEvent JSON) each time an asset of your projects changes
         * @description Needs the viewer role in the project.
         */
        get: operations["getEvents"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        FieldDefinition: {
            name: string;
            /** @enum {string} */
            type: "text" | "keyword" | "number" | "date" | "enum" | "multi-enum" | "boolean" | "url" | "person";
            label?: string;
            help?: string;
            required?: boolean;
            default?: unknown;
            options?: string[];
            maxLength?: number;
            min?: number;
            max?: number;
        };
        MetadataSchema: {
            version: number;
            builtIn: components["schemas"]["FieldDefinition"][];
            fields: components["schemas"]["FieldDefinition"][];
            createdBy: string | null;
            createdAt: string | null;
        };
        BatchResults: {
            succeeded: number;
            failed: number;
            results: {
                id: string;
                status: number;
                version?: number;
                /** @enum {string} */
                editorialState?: "draft" | "in_review" | "approved" | "rejected" | "archived";
                problem?: {
                    title: string;
                    detail?: string;
                    issues?: {
                        path: string;
                        message: string;
                        field?: string;
                    }[];
                };
            }[];
        };
        ImportResults: {
            succeeded: number;
            failed: number;
            results: {
                line: number;
                id: string;
                status: number;
                version?: number;
                /** @enum {string} */
                editorialState?: "draft" | "in_review" | "approved" | "rejected" | "archived";
                unchanged?: boolean;
                problem?: {
                    title: string;
                    detail?: string;
                    issues?: {
                        path: string;
                        message: string;
                        field?: string;
                    }[];
                };
            }[];
        };
        AssetSummary: {
            id: string;
            projectId: string;
            /** @enum {string} */
            state: "uploading" | "uploaded" | "processing" | "ready" | "failed" | "archived" | "deleted";
            stateReason: string | null;
            progress: {
                stage: string;
                percent: number;
            } | null;
            /** @enum {string} */
            mediaType: "image" | "video" | "audio" | "document" | "other";
            /** @enum {string} */
            editorialState: "draft" | "in_review" | "approved" | "rejected" | "archived";
            title: string;
            description: string;
            tags: string[];
            filename: string;
            contentType: string;
            size: number;
            sha256: string | null;
            duplicateOf: string | null;
            owner: string;
            version: number;
            fileVersion?: number;
            createdAt: string;
            updatedAt: string;
            deletedAt: string | null;
            fields: {
                [key: string]: unknown;
            };
            rightsExpiredAt: string | null;
        };
        ListedAsset: {
            id: string;
            projectId: string;
            /** @enum {string} */
            state: "uploading" | "uploaded" | "processing" | "ready" | "failed" | "archived" | "deleted";
            stateReason: string | null;
            progress: {
                stage: string;
                percent: number;
            } | null;
            /** @enum {string} */
            mediaType: "image" | "video" | "audio" | "document" | "other";
            /** @enum {string} */
            editorialState: "draft" | "in_review" | "approved" | "rejected" | "archived";
            title: string;
            description: string;
            tags: string[];
            filename: string;
            contentType: string;
            size: number;
            sha256: string | null;
            duplicateOf: string | null;
            owner: string;
            version: number;
            fileVersion?: number;
            createdAt: string;
            updatedAt: string;
            deletedAt: string | null;
            fields: {
                [key: string]: unknown;
            };
            rightsExpiredAt: string | null;
            thumbnailUrl?: string;
        };
        AssetListing: {
            assets: components["schemas"]["ListedAsset"][];
            nextCursor?: string;
        };
        Asset: {
            id: string;
            projectId: string;
            /** @enum {string} */
            state: "uploading" | "uploaded" | "processing" | "ready" | "failed" | "archived" | "deleted";
            stateReason: string | null;
            progress: {
                stage: string;
                percent: number;
            } | null;
            /** @enum {string} */
            mediaType: "image" | "video" | "audio" | "document" | "other";
            /** @enum {string} */
            editorialState: "draft" | "in_review" | "approved" | "rejected" | "archived";
            title: string;
            description: string;
            tags: string[];
            filename: string;
            contentType: string;
            size: number;
            sha256: string | null;
            duplicateOf: string | null;
            owner: string;
            version: number;
            fileVersion?: number;
            createdAt: string;
            updatedAt: string;
            deletedAt: string | null;
            fields: {
                [key: string]: unknown;
            };
            rightsExpiredAt: string | null;
            metadata: {
                [key: string]: {
                    [key: string]: unknown;
                };
            };
            ai: {
                labels: components["schemas"]["Label"][];
                faces: components["schemas"]["Face"][];
            };
            downloadUrl?: string;
            renditions: components["schemas"]["Rendition"][];
            urlsExpireAt: string;
        };
        Label: {
            label: string;
            labelEs: string | null;
            confidence: number;
            /** @enum {string} */
            status: "suggested" | "accepted" | "rejected";
            decidedBy: string | null;
            detections: {
                box: {
                    x: number;
                    y: number;
                    width: number;
                    height: number;
                };
                time?: number;
                confidence: number;
            }[];
        };
        Face: {
            id: string;
            personId: string;
            name: string | null;
            box: {
                x: number;
                y: number;
                width: number;
                height: number;
            };
            time: number | null;
            confidence: number;
        };
        Rendition: {
            name: string;
            contentType: string;
            size: number;
            width: number | null;
            height: number | null;
            duration: number | null;
            url: string;
        };
        AssetHistory: {
            assetId: string;
            events: {
                version: number;
                type: string;
                actor: string;
                data: unknown;
                occurredAt: string;
            }[];
        };
        Person: {
            id: string;
            projectId: string;
            name: string | null;
            faceCount: number;
            createdAt: string;
        };
        UploadPlan: {
            uploadId: string;
            assetId: string;
            /** @enum {string} */
            state: "uploading" | "uploaded" | "processing" | "ready" | "failed" | "archived" | "deleted";
            expiresAt: string;
            urlsExpireAt: string;
            /** @constant */
            method: "PUT";
            url: string;
            headers: {
                [key: string]: string;
            };
        } | {
            uploadId: string;
            assetId: string;
            /** @enum {string} */
            state: "uploading" | "uploaded" | "processing" | "ready" | "failed" | "archived" | "deleted";
            expiresAt: string;
            urlsExpireAt: string;
            /** @constant */
            method: "MULTIPART";
            multipart: {
                partSize: number;
                partCount: number;
                parts: {
                    partNumber: number;
                    url: string;
                }[];
                received: {
                    partNumber: number;
                    etag: string;
                }[];
                completeUrl: string;
            };
        };
        SearchHit: {
            assetId: string;
            projectId: string;
            mediaType: string;
            state: string;
            editorialState?: string;
            title: string;
            description: string;
            tags: string[];
            filename: string;
            createdAt: string;
            capturedAt?: string;
            fields: {
                [key: string]: string;
            };
            labels?: string[];
            personIds?: string[];
            ocrText?: string;
            transcript?: string;
            schemaFields?: {
                [key: string]: unknown;
            };
            score: number;
            thumbnailUrl?: string;
        };
        SearchResults: {
            backend: string;
            total: number;
            totalIsEstimate?: boolean;
            facetsApproximate?: boolean;
            rankedAmongNewest?: number;
            hits: components["schemas"]["SearchHit"][];
            facets: {
                [key: string]: {
                    value: string;
                    count: number;
                }[];
            };
            fieldFacets?: {
                [key: string]: {
                    value: string;
                    count: number;
                }[];
            };
            nextCursor?: string;
            semantic: {
                available: boolean;
                reason?: string;
            };
        };
        Import: {
            id: string;
            projectId: string;
            /** @enum {string} */
            state: "running" | "paused" | "completed" | "cancelling" | "cancelled";
            priority: number;
            source: {
                type: string;
            };
            defaults: {
                [key: string]: unknown;
            };
            createdAt: string;
            items: number;
            counts: {
                [key: string]: number;
            };
            assets: {
                [key: string]: number;
            };
            duplicates: number;
            finishedAt: string | null;
            throughput: {
                settled: number;
                bytes: number;
                seconds: number;
                itemsPerSecond: number;
                bytesPerSecond: number;
            };
        };
        ImportItem: {
            item: number;
            url: string;
            title?: string;
            state: string;
            /** @enum {string} */
            outcome: "imported" | "processing" | "duplicate" | "skipped" | "failed" | "cancelled" | "open";
            assetId: string | null;
            assetState: string | null;
            duplicateOf: string | null;
            reason: string | null;
            attempts: number;
            nextAttemptAt: string | null;
        };
        LiveEvent: {
            type: string;
            assetId: string;
            projectId: string;
            time: string;
        };
        SignInOptions: {
            devToken: boolean;
            rolesClaim: string;
            oidc?: {
                issuer: string;
                clientId: string;
                scope: string;
            };
        };
        Problem: {
            type: string;
            title: string;
            status: number;
            detail?: string;
            instance?: string;
            requestId?: string;
            issues?: {
                path: string;
                message: string;
                field?: string;
            }[];
            duplicateOf?: string;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    postUploads: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    projectId: string;
                    filename: string;
                    size: number;
                    contentType: string;
                    sha256?: string;
                    title?: string;
                    description?: string;
                    /** @default [] */
                    tags?: string[];
                };
            };
        };
        responses: {
            /** @description HTTP 201 */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UploadPlan"];
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getUploadsId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTTP 200 */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UploadPlan"];
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    deleteUploadsId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTTP 204 */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    postUploadsIdComplete: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    parts: {
                        partNumber: number;
                        etag: string;
                    }[];
                };
            };
        };
        responses: {
            /** @description HTTP 202 */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        assetId: string;
                        state: string;
                        detail: string;
                    };
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getAssets: {
        parameters: {
            query?: {
                projectId?: string;
                state?: string;
                mediaType?: string;
                editorialState?: string;
                deleted?: "true" | "false";
                sort?: "newest" | "oldest" | "title";
                limit?: string;
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTTP 200 */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AssetListing"];
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getAssetsId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTTP 200 */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Asset"];
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    deleteAssetsId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTTP 204 */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    patchAssetsId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    title?: string;
                    description?: string;
                    tags?: string[];
                    fields?: {
                        [key: string]: unknown;
                    };
                };
            };
        };
        responses: {
            /** @description HTTP 200 */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Asset"];
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getProjectsIdTrash: {
        parameters: {
            query?: {
                limit?: string;
            };
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTTP 200 */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        assets: {
                            id: string;
                            projectId: string;
                            /** @enum {string} */
                            state: "uploading" | "uploaded" | "processing" | "ready" | "failed" | "archived" | "deleted";
                            stateReason: string | null;
                            progress: {
                                stage: string;
                                percent: number;
                            } | null;
                            /** @enum {string} */
                            mediaType: "image" | "video" | "audio" | "document" | "other";
                            /** @enum {string} */
                            editorialState: "draft" | "in_review" | "approved" | "rejected" | "archived";
                            title: string;
                            description: string;
                            tags: string[];
                            filename: string;
                            contentType: string;
                            size: number;
                            sha256: string | null;
                            duplicateOf: string | null;
                            owner: string;
                            version: number;
                            fileVersion?: number;
                            createdAt: string;
                            updatedAt: string;
                            deletedAt: string | null;
                            fields: {
                                [key: string]: unknown;
                            };
                            rightsExpiredAt: string | null;
                            purgeAt: string | null;
                        }[];
                    };
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    postAssetsIdRestore: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTTP 200 */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Asset"];
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    postAssetsIdPurge: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTTP 200 */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        assetId: string;
                        projectId: string;
                        /** @constant */
                        purged: true;
                        objectsRemoved: number;
                    };
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    postProjectsIdTrashPurgeDue: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTTP 200 */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        purged: number;
                        skipped: number;
                        errors: number;
                    };
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getAssetsIdVersions: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTTP 200 */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        assetId: string;
                        current: number;
                        versions: {
                            fileVersion: number;
                            /** @enum {string} */
                            state: "uploading" | "current" | "previous" | "failed";
                            current: boolean;
                            filename: string;
                            contentType: string;
                            /** @enum {string} */
                            mediaType: "image" | "video" | "audio" | "document" | "other";
                            size: number;
                            sha256: string | null;
                            reason: string | null;
                            createdBy: string;
                            createdAt: string;
                            downloadUrl?: string;
                            renditions: components["schemas"]["Rendition"][];
                        }[];
                    };
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    postAssetsIdVersions: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    filename: string;
                    size: number;
                    contentType: string;
                    sha256?: string;
                };
            };
        };
        responses: {
            /** @description HTTP 201 */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UploadPlan"];
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    postAssetsIdVersionsNRevert: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
                n: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTTP 200 */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Asset"];
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getAssetsIdHistory: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTTP 200 */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AssetHistory"];
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    postAssetsIdReprocess: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTTP 202 */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        assetId: string;
                        /** @enum {string} */
                        state: "uploading" | "uploaded" | "processing" | "ready" | "failed" | "archived" | "deleted";
                        version: number;
                    };
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    postAssetsIdTransitions: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @enum {string} */
                    to: "draft" | "in_review" | "approved" | "rejected" | "archived";
                    reason?: string;
                };
            };
        };
        responses: {
            /** @description HTTP 200 */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Asset"];
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    putAssetsIdLabelsLabel: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
                label: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @enum {string} */
                    status: "accepted" | "rejected" | "suggested";
                };
            };
        };
        responses: {
            /** @description HTTP 200 */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Label"];
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getAssetsIdHlsMasterM3u8: {
        parameters: {
            query: {
                expires: string;
                signature: string;
            };
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTTP 200 */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/vnd.apple.mpegurl": string;
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getAssetsIdHlsVariantIndexM3u8: {
        parameters: {
            query: {
                expires: string;
                signature: string;
            };
            header?: never;
            path: {
                id: string;
                variant: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTTP 200 */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/vnd.apple.mpegurl": string;
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getAssetsIdThumbnailsVtt: {
        parameters: {
            query: {
                expires: string;
                signature: string;
            };
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTTP 200 */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/vtt": string;
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    postProjectsIdRebuild: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTTP 200 */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": Record<string, never>;
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getProjectsIdSettings: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTTP 200 */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        hls?: boolean;
                    };
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    putProjectsIdSettings: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    hls?: boolean;
                    viewersSeeUnapproved?: boolean;
                    trashRetentionDays?: number;
                };
            };
        };
        responses: {
            /** @description HTTP 200 */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        hls?: boolean;
                    };
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getAssetsIdOriginal: {
        parameters: {
            query?: {
                embed?: "xmp";
            };
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTTP 200 */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/octet-stream": string;
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    postAssetsBatch: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    ids?: string[];
                    query?: {
                        q?: string;
                        projectId?: string[];
                        mediaType?: ("image" | "video" | "audio" | "document" | "other")[];
                        editorialState?: ("draft" | "in_review" | "approved" | "rejected" | "archived")[];
                        tags?: string[];
                        fields?: {
                            [key: string]: string[];
                        };
                    };
                    expectedVersions?: {
                        [key: string]: number;
                    };
                    edit?: {
                        title?: string;
                        description?: string;
                        tags?: string[];
                        fields?: {
                            [key: string]: unknown;
                        };
                    };
                    transition?: {
                        /** @enum {string} */
                        to: "draft" | "in_review" | "approved" | "rejected" | "archived";
                        reason?: string;
                    };
                };
            };
        };
        responses: {
            /** @description HTTP 200 */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BatchResults"];
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getAssetsExportCsv: {
        parameters: {
            query?: {
                q?: string;
                projectId?: string;
                mediaType?: string;
                editorialState?: string;
                tags?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTTP 200 */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/csv": string;
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    postAssetsImportCsv: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "text/csv": string;
            };
        };
        responses: {
            /** @description HTTP 200 */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ImportResults"];
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getProjectsIdSchema: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTTP 200 */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MetadataSchema"];
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    putProjectsIdSchema: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    expectedVersion?: number;
                    fields: unknown[];
                };
            };
        };
        responses: {
            /** @description HTTP 200 */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MetadataSchema"];
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getProjectsIdSchemaVersions: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTTP 200 */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        versions: {
                            version: number;
                            createdBy: string;
                            createdAt: string;
                        }[];
                    };
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getProjectsIdSchemaVersionsVersion: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
                version: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTTP 200 */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MetadataSchema"];
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    postProjectsIdRightsExpire: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTTP 200 */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        expired: string[];
                        skipped: string[];
                    };
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getPersons: {
        parameters: {
            query?: {
                projectId?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTTP 200 */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        persons: components["schemas"]["Person"][];
                    };
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getPersonsId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTTP 200 */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Person"];
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    patchPersonsId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name: string | null;
                };
            };
        };
        responses: {
            /** @description HTTP 200 */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Person"];
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    postPersonsIdMerge: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** Format: uuid */
                    into: string;
                };
            };
        };
        responses: {
            /** @description HTTP 200 */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Person"];
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getSearch: {
        parameters: {
            query?: {
                q?: string;
                mediaType?: string;
                projectId?: string;
                state?: string;
                editorialState?: string;
                tags?: string;
                labels?: string;
                person?: string;
                collection?: string;
                from?: string;
                to?: string;
                facets?: string;
                limit?: string;
                cursor?: string;
                mode?: "text" | "semantic" | "hybrid";
                moreLike?: string;
                wText?: string;
                wSemantic?: string;
                approximate?: "true" | "false";
                fieldFacets?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTTP 200 */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SearchResults"];
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    postImports: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    projectId: string;
                    source: {
                        /** @constant */
                        type: "urls";
                        urls: string[];
                    } | {
                        /** @constant */
                        type: "csv";
                        csv: string;
                    } | {
                        /** @constant */
                        type: "feed";
                        /** Format: uri */
                        url: string;
                    } | {
                        /** @constant */
                        type: "sitemap";
                        /** Format: uri */
                        url: string;
                    } | {
                        /** @constant */
                        type: "s3";
                        /** Format: uri */
                        endpoint: string;
                        /** @default us-east-1 */
                        region?: string;
                        bucket: string;
                        /** @default  */
                        prefix?: string;
                        credentials: {
                            accessKeyId: string;
                            secretAccessKey: string;
                        };
                    };
                    /** @default 3 */
                    priority?: number;
                    /** @default {} */
                    defaults?: {
                        title?: string;
                        description?: string;
                        tags?: string[];
                    };
                    /** @default false */
                    dryRun?: boolean;
                };
            };
        };
        responses: {
            /** @description HTTP 200 */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        dryRun: true;
                        items: number;
                        toFetch: number;
                        settledAtListing: number;
                        shown: {
                            url: string;
                            title?: string;
                            host: string;
                            state: string;
                            reason?: string;
                        }[];
                    };
                };
            };
            /** @description HTTP 201 */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Import"];
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getImportsId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTTP 200 */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Import"];
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getImportsIdTasks: {
        parameters: {
            query?: {
                state?: "pending" | "fetching" | "retrying" | "uploaded" | "skipped" | "failed" | "cancelled";
                limit?: string;
                cursor?: string;
            };
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTTP 200 */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        tasks: components["schemas"]["ImportItem"][];
                        nextCursor: string | null;
                    };
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    postImportsIdPause: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTTP 200 */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Import"];
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    postImportsIdResume: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTTP 200 */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Import"];
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    postImportsIdCancel: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTTP 200 */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Import"];
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getImportsIdReport: {
        parameters: {
            query?: {
                format?: "json" | "csv";
            };
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTTP 200 */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        import: components["schemas"]["Import"];
                        items: components["schemas"]["ImportItem"][];
                    };
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getProjectsIdChannels: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTTP 200 */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": Record<string, never>;
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    postProjectsIdChannels: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name: string;
                    /** @enum {string} */
                    type: "webhook" | "s3" | "sftp" | "ftp" | "youtube";
                    target: {
                        [key: string]: unknown;
                    };
                    credentials: {
                        [key: string]: unknown;
                    };
                    /**
                     * @default [
                     *       "original"
                     *     ]
                     */
                    renditions?: string[];
                    /** @default {} */
                    settings?: {
                        timeoutMs?: number;
                        maxAttempts?: number;
                        retryBaseMs?: number;
                        retryMaxMs?: number;
                        concurrency?: number;
                        breakerThreshold?: number;
                        breakerHalfOpenMs?: number;
                    };
                };
            };
        };
        responses: {
            /** @description HTTP 201 */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": Record<string, never>;
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    deleteProjectsIdChannelsChannelId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
                channelId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTTP 204 */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    patchProjectsIdChannelsChannelId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
                channelId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name?: string;
                    target?: {
                        [key: string]: unknown;
                    };
                    credentials?: {
                        [key: string]: unknown;
                    };
                    renditions?: string[];
                    settings?: {
                        timeoutMs?: number;
                        maxAttempts?: number;
                        retryBaseMs?: number;
                        retryMaxMs?: number;
                        concurrency?: number;
                        breakerThreshold?: number;
                        breakerHalfOpenMs?: number;
                    };
                };
            };
        };
        responses: {
            /** @description HTTP 200 */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": Record<string, never>;
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getProjectsIdDistributionRules: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTTP 200 */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": Record<string, never>;
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    postProjectsIdDistributionRules: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name: string;
                    /** @default {} */
                    match?: {
                        mediaTypes?: ("image" | "video" | "audio" | "document")[];
                        tags?: string[];
                        labels?: string[];
                        fields?: {
                            name: string;
                            values?: string[];
                            min?: number | string;
                            max?: number | string;
                        }[];
                        collections?: string[];
                    };
                    channelIds: string[];
                    /** @default 0 */
                    delayMinutes?: number;
                    /** @default true */
                    enabled?: boolean;
                };
            };
        };
        responses: {
            /** @description HTTP 201 */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": Record<string, never>;
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    putProjectsIdDistributionRulesRuleId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
                ruleId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name: string;
                    /** @default {} */
                    match?: {
                        mediaTypes?: ("image" | "video" | "audio" | "document")[];
                        tags?: string[];
                        labels?: string[];
                        fields?: {
                            name: string;
                            values?: string[];
                            min?: number | string;
                            max?: number | string;
                        }[];
                        collections?: string[];
                    };
                    channelIds: string[];
                    /** @default 0 */
                    delayMinutes?: number;
                    /** @default true */
                    enabled?: boolean;
                };
            };
        };
        responses: {
            /** @description HTTP 200 */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": Record<string, never>;
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    deleteProjectsIdDistributionRulesRuleId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
                ruleId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTTP 204 */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getProjectsIdDistributionRulesRuleIdVersions: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
                ruleId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTTP 200 */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": Record<string, never>;
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getAssetsIdPublications: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTTP 200 */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": Record<string, never>;
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    postAssetsIdPublications: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** Format: uuid */
                    channelId: string;
                    at?: string;
                    renditions?: string[];
                };
            };
        };
        responses: {
            /** @description HTTP 200 */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": Record<string, never>;
                };
            };
            /** @description HTTP 201 */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": Record<string, never>;
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    deleteAssetsIdPublicationsPublicationId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
                publicationId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTTP 202 */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": Record<string, never>;
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getPublications: {
        parameters: {
            query?: {
                channel?: string;
                status?: string;
                limit?: string;
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTTP 200 */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": Record<string, never>;
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    postPublicationsIdRedrive: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTTP 202 */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": Record<string, never>;
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getAuthConfig: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTTP 200 */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SignInOptions"];
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getProjectsIdCollections: {
        parameters: {
            query?: {
                limit?: string;
                cursor?: string;
            };
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTTP 200 */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        collections: {
                            id: string;
                            projectId: string;
                            name: string;
                            description: string;
                            assetCount: number;
                            version: number;
                            createdBy: string;
                            createdAt: string;
                            updatedAt: string;
                        }[];
                        nextCursor?: string;
                    };
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    postProjectsIdCollections: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name: string;
                    description?: string;
                };
            };
        };
        responses: {
            /** @description HTTP 201 */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        projectId: string;
                        name: string;
                        description: string;
                        assetCount: number;
                        version: number;
                        createdBy: string;
                        createdAt: string;
                        updatedAt: string;
                    };
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getCollectionsId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTTP 200 */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        projectId: string;
                        name: string;
                        description: string;
                        assetCount: number;
                        version: number;
                        createdBy: string;
                        createdAt: string;
                        updatedAt: string;
                    };
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    deleteCollectionsId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTTP 204 */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    patchCollectionsId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name?: string;
                    description?: string;
                };
            };
        };
        responses: {
            /** @description HTTP 200 */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        projectId: string;
                        name: string;
                        description: string;
                        assetCount: number;
                        version: number;
                        createdBy: string;
                        createdAt: string;
                        updatedAt: string;
                    };
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getCollectionsIdAssets: {
        parameters: {
            query?: {
                limit?: string;
                cursor?: string;
            };
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTTP 200 */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        collectionId: string;
                        assets: {
                            id: string;
                            projectId: string;
                            /** @enum {string} */
                            state: "uploading" | "uploaded" | "processing" | "ready" | "failed" | "archived" | "deleted";
                            stateReason: string | null;
                            progress: {
                                stage: string;
                                percent: number;
                            } | null;
                            /** @enum {string} */
                            mediaType: "image" | "video" | "audio" | "document" | "other";
                            /** @enum {string} */
                            editorialState: "draft" | "in_review" | "approved" | "rejected" | "archived";
                            title: string;
                            description: string;
                            tags: string[];
                            filename: string;
                            contentType: string;
                            size: number;
                            sha256: string | null;
                            duplicateOf: string | null;
                            owner: string;
                            version: number;
                            fileVersion?: number;
                            createdAt: string;
                            updatedAt: string;
                            deletedAt: string | null;
                            fields: {
                                [key: string]: unknown;
                            };
                            rightsExpiredAt: string | null;
                            thumbnailUrl?: string;
                            position: number;
                        }[];
                        nextCursor?: string;
                    };
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    postCollectionsIdAssets: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    assetIds: string[];
                    position?: number;
                };
            };
        };
        responses: {
            /** @description HTTP 200 */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        collection: {
                            id: string;
                            projectId: string;
                            name: string;
                            description: string;
                            assetCount: number;
                            version: number;
                            createdBy: string;
                            createdAt: string;
                            updatedAt: string;
                        };
                        added: string[];
                        alreadyIn: string[];
                    };
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    deleteCollectionsIdAssetsAssetId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
                assetId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTTP 204 */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    patchCollectionsIdAssetsAssetId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
                assetId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    position: number;
                };
            };
        };
        responses: {
            /** @description HTTP 200 */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        collection: {
                            id: string;
                            projectId: string;
                            name: string;
                            description: string;
                            assetCount: number;
                            version: number;
                            createdBy: string;
                            createdAt: string;
                            updatedAt: string;
                        };
                        order: string[];
                    };
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    postAssetsIdShares: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** Format: date-time */
                    expiresAt?: string;
                    password?: string;
                    renditions?: string[];
                    allowOriginal?: boolean;
                };
            };
        };
        responses: {
            /** @description HTTP 201 */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        projectId: string;
                        /** @enum {string} */
                        targetType: "asset" | "collection";
                        targetId: string;
                        expiresAt: string | null;
                        hasPassword: boolean;
                        renditions: string[] | null;
                        allowOriginal: boolean;
                        createdBy: string;
                        createdAt: string;
                        revokedAt: string | null;
                        revokedBy: string | null;
                        accessCount: number;
                        lastAccessAt: string | null;
                        token: string;
                        url: string;
                    };
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    postCollectionsIdShares: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** Format: date-time */
                    expiresAt?: string;
                    password?: string;
                    renditions?: string[];
                    allowOriginal?: boolean;
                };
            };
        };
        responses: {
            /** @description HTTP 201 */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        projectId: string;
                        /** @enum {string} */
                        targetType: "asset" | "collection";
                        targetId: string;
                        expiresAt: string | null;
                        hasPassword: boolean;
                        renditions: string[] | null;
                        allowOriginal: boolean;
                        createdBy: string;
                        createdAt: string;
                        revokedAt: string | null;
                        revokedBy: string | null;
                        accessCount: number;
                        lastAccessAt: string | null;
                        token: string;
                        url: string;
                    };
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getProjectsIdShares: {
        parameters: {
            query?: {
                limit?: string;
                cursor?: string;
                targetId?: string;
            };
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTTP 200 */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        shares: {
                            id: string;
                            projectId: string;
                            /** @enum {string} */
                            targetType: "asset" | "collection";
                            targetId: string;
                            expiresAt: string | null;
                            hasPassword: boolean;
                            renditions: string[] | null;
                            allowOriginal: boolean;
                            createdBy: string;
                            createdAt: string;
                            revokedAt: string | null;
                            revokedBy: string | null;
                            accessCount: number;
                            lastAccessAt: string | null;
                        }[];
                        nextCursor?: string;
                    };
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    deleteSharesId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTTP 204 */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getSToken: {
        parameters: {
            query?: {
                limit?: string;
                cursor?: string;
                access?: string;
            };
            header?: never;
            path: {
                token: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTTP 200 */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        share: {
                            id: string;
                            /** @enum {string} */
                            targetType: "asset" | "collection";
                            expiresAt: string | null;
                            renditions: string[] | null;
                            allowOriginal: boolean;
                        };
                        asset?: {
                            id: string;
                            title: string;
                            description: string;
                            /** @enum {string} */
                            mediaType: "image" | "video" | "audio" | "document" | "other";
                            contentType: string;
                            tags: string[];
                            renditions: {
                                name: string;
                                contentType: string;
                                size: number;
                                width: number | null;
                                height: number | null;
                                duration: number | null;
                                url: string;
                            }[];
                            originalUrl?: string;
                        };
                        collection?: {
                            id: string;
                            name: string;
                            description: string;
                            assets: {
                                id: string;
                                title: string;
                                description: string;
                                /** @enum {string} */
                                mediaType: "image" | "video" | "audio" | "document" | "other";
                                contentType: string;
                                tags: string[];
                                renditions: {
                                    name: string;
                                    contentType: string;
                                    size: number;
                                    width: number | null;
                                    height: number | null;
                                    duration: number | null;
                                    url: string;
                                }[];
                                originalUrl?: string;
                            }[];
                            nextCursor?: string;
                        };
                    };
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    postSToken: {
        parameters: {
            query?: {
                limit?: string;
                cursor?: string;
                access?: string;
            };
            header?: never;
            path: {
                token: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    password?: string;
                };
            };
        };
        responses: {
            /** @description HTTP 200 */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        share: {
                            id: string;
                            /** @enum {string} */
                            targetType: "asset" | "collection";
                            expiresAt: string | null;
                            renditions: string[] | null;
                            allowOriginal: boolean;
                        };
                        asset?: {
                            id: string;
                            title: string;
                            description: string;
                            /** @enum {string} */
                            mediaType: "image" | "video" | "audio" | "document" | "other";
                            contentType: string;
                            tags: string[];
                            renditions: {
                                name: string;
                                contentType: string;
                                size: number;
                                width: number | null;
                                height: number | null;
                                duration: number | null;
                                url: string;
                            }[];
                            originalUrl?: string;
                        };
                        collection?: {
                            id: string;
                            name: string;
                            description: string;
                            assets: {
                                id: string;
                                title: string;
                                description: string;
                                /** @enum {string} */
                                mediaType: "image" | "video" | "audio" | "document" | "other";
                                contentType: string;
                                tags: string[];
                                renditions: {
                                    name: string;
                                    contentType: string;
                                    size: number;
                                    width: number | null;
                                    height: number | null;
                                    duration: number | null;
                                    url: string;
                                }[];
                                originalUrl?: string;
                            }[];
                            nextCursor?: string;
                        };
                    };
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getSTokenAssetsAssetIdRenditionsName: {
        parameters: {
            query?: {
                access?: string;
            };
            header?: never;
            path: {
                token: string;
                assetId: string;
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTTP 302 */
            302: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getSTokenAssetsAssetIdOriginal: {
        parameters: {
            query?: {
                access?: string;
            };
            header?: never;
            path: {
                token: string;
                assetId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTTP 302 */
            302: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getProjectsIdAudit: {
        parameters: {
            query?: {
                actor?: string;
                action?: string;
                targetId?: string;
                via?: "api" | "share-link";
                from?: string;
                to?: string;
                limit?: string;
                cursor?: string;
            };
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTTP 200 */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        entries: {
                            id: string;
                            projectId: string;
                            occurredAt: string;
                            actor: string;
                            /** @enum {string} */
                            via: "api" | "share-link";
                            action: string;
                            targetType: string;
                            targetId: string;
                            address: string | null;
                            details: {
                                [key: string]: unknown;
                            };
                        }[];
                        nextCursor?: string;
                    };
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getAudit: {
        parameters: {
            query?: {
                actor?: string;
                action?: string;
                targetId?: string;
                via?: "api" | "share-link";
                from?: string;
                to?: string;
                limit?: string;
                cursor?: string;
                projectId?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTTP 200 */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        entries: {
                            id: string;
                            projectId: string;
                            occurredAt: string;
                            actor: string;
                            /** @enum {string} */
                            via: "api" | "share-link";
                            action: string;
                            targetType: string;
                            targetId: string;
                            address: string | null;
                            details: {
                                [key: string]: unknown;
                            };
                        }[];
                        nextCursor?: string;
                    };
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getAdminDeadLetters: {
        parameters: {
            query?: {
                consumer?: string;
                type?: string;
                reason?: string;
                after?: string;
                limit?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTTP 200 */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        store: "jetstream" | "embedded";
                        deadLetters: {
                            id: string;
                            consumer: string;
                            reason: string;
                            deadAt: string;
                            event: {
                                specversion: string;
                                id: string;
                                type: string;
                                source: string;
                                subject?: string;
                                time?: string;
                                data: unknown;
                            };
                        }[];
                        next?: string;
                    };
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getAdminDeadLettersId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTTP 200 */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        consumer: string;
                        reason: string;
                        deadAt: string;
                        event: {
                            specversion: string;
                            id: string;
                            type: string;
                            source: string;
                            subject?: string;
                            time?: string;
                            data: unknown;
                        };
                    };
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    postAdminDeadLettersIdRedrive: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTTP 202 */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        redriven: number;
                        ids: string[];
                    };
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    postAdminDeadLettersRedrive: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    consumer?: string;
                    type?: string;
                    reason?: string;
                };
            };
        };
        responses: {
            /** @description HTTP 202 */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        redriven: number;
                        ids: string[];
                    };
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    postAdminReplays: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @enum {string} */
                    target: "search" | "catalogue" | "all";
                };
            };
        };
        responses: {
            /** @description HTTP 202 */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        /** @enum {string} */
                        target: "search" | "catalogue" | "all";
                        /** @enum {string} */
                        state: "running" | "done" | "failed";
                        requestedBy: string;
                        startedAt: string;
                        finishedAt: string | null;
                        result: Record<string, never> | null;
                        error: string | null;
                    };
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getAdminReplaysId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTTP 200 */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        /** @enum {string} */
                        target: "search" | "catalogue" | "all";
                        /** @enum {string} */
                        state: "running" | "done" | "failed";
                        requestedBy: string;
                        startedAt: string;
                        finishedAt: string | null;
                        result: Record<string, never> | null;
                        error: string | null;
                    };
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getEvents: {
        parameters: {
            query?: {
                projectId?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTTP 200 */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/event-stream": string;
                };
            };
            /** @description an error, as RFC 9457 problem details */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
}
