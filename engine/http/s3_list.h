// S3 ListObjectsV2 (also served by GCS's XML API and S3-compatible servers): the request URL
// and a strict parser of the XML response, plus the S3 <Error> body as an absl::Status.
//
//   std::string url = ListObjectsUrl(root, "data.zarr/", "/", page.next_continuation_token);
//   ZRING_ASSIGN_OR_RETURN(ListPage page, ParseListObjectsV2(body, url));
//
// The parser is a small, bounded, non-validating XML reader (elements, attributes, text,
// comments, CDATA, processing instructions; the five predefined entities and numeric character
// references). Document type declarations are refused, so no entity expansion can happen.
// Nesting is limited to 32 levels. Any malformed input is InvalidArgument naming what was
// expected and where (byte offset); it never reads outside `xml`.
#ifndef ZRING_ENGINE_HTTP_S3_LIST_H_
#define ZRING_ENGINE_HTTP_S3_LIST_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/http/object_url.h"

namespace zring::engine::http {

struct ListedObject {
  std::string key;  // bucket-relative, as the server sent it (entities decoded)
  uint64_t size_bytes = 0;
  std::string etag;  // quotes kept, as in an ETag header; "" when absent
};

struct ListPage {
  std::vector<ListedObject> objects;         // <Contents>
  std::vector<std::string> common_prefixes;  // <CommonPrefixes><Prefix>, bucket-relative
  bool is_truncated = false;
  std::string next_continuation_token;       // set whenever is_truncated
  int64_t key_count = -1;                    // <KeyCount>; -1 when absent
};

// GET URL of one page: bucket_url/?continuation-token=..&delimiter=..&list-type=2&max-keys=..
// &prefix=.. (parameters sorted, values RFC 3986 encoded; empty ones left out). `prefix` is
// relative to the root (the root's prefix and a '/' are put in front, so "" lists the root).
// max_keys 0: the server's default (1000).
std::string ListObjectsUrl(const ResolvedRoot& root, std::string_view prefix,
                           std::string_view delimiter, std::string_view continuation_token,
                           int max_keys = 0);

// A ListBucketResult document, or the status of an <Error> document. `url` names the request
// in messages.
absl::StatusOr<ListPage> ParseListObjectsV2(std::string_view xml, std::string_view url = "");

// The status for an S3 error response: NoSuchKey/NoSuchBucket -> NotFound, AccessDenied,
// InvalidAccessKeyId, SignatureDoesNotMatch... -> PermissionDenied, SlowDown/InternalError ->
// Unavailable, a wrong region (PermanentRedirect, AuthorizationHeaderMalformed) ->
// FailedPrecondition naming the region or endpoint to use. When the body is not an S3 error
// document the HTTP status decides. The message names the URL, the HTTP status, the S3 code
// and the server's message.
absl::Status S3ErrorStatus(std::string_view xml, int http_status, std::string_view url);

// `key` (from a listing) relative to the root: the root's prefix and '/' removed. nullopt-like
// empty view when the key is not under the root (or is the root prefix itself).
std::string_view KeyRelativeToRoot(const ResolvedRoot& root, std::string_view key);

}  // namespace zring::engine::http

#endif  // ZRING_ENGINE_HTTP_S3_LIST_H_
