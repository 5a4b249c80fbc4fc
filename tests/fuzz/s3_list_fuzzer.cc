// libFuzzer target for the object-store response parsers: the input is one response body,
// read as a ListObjectsV2 page and as an S3 error document. Both must answer a page or a clear
// status; any crash, sanitizer report, leak or read outside the input is a bug. A page that
// parses must satisfy the invariants callers rely on (a truncated page has a token).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "engine/http/s3_list.h"
#include "engine/http/xml_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto page = zring::engine::http::ParseListObjectsV2(text, "http://127.0.0.1/bucket/");
  if (page.ok()) {
    if (page->is_truncated && page->next_continuation_token.empty()) std::abort();
    if (page->key_count < -1) std::abort();
  } else if (page.status().message().empty()) {
    std::abort();
  }
  absl::Status error = zring::engine::http::S3ErrorStatus(text, 403, "http://127.0.0.1/b/k");
  if (error.ok()) std::abort();  // an error response never becomes OK
  (void)zring::engine::http::ParseXml(text);
  return 0;
}
