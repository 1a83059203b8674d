// Size limits shared by validation and the CRD schema. The CRD needs them so the API server's
// CEL cost estimate accepts its rules; validation applies the same ones so `passthru validate`
// and `kubectl apply` accept exactly the same manifests.
export const MAX_CONTEXT_ROOT_LENGTH = 1024;
export const MAX_DURATION_LENGTH = 64;
export const MAX_EXPECT_STATUS_LENGTH = 256;
/** Entries in headers.request/response.set and the rewrite cookie maps. */
export const MAX_MAP_ENTRIES = 64;
