// ListObjectsV2 URLs and responses, and S3 error bodies.
#include "engine/http/s3_list.h"

#include <charconv>
#include <utility>

#include "engine/http/url.h"
#include "engine/http/xml_reader.h"
#include "engine/status.h"
#include "fmt/format.h"

namespace zring::engine::http {
namespace {

bool ParseU64(std::string_view s, uint64_t* out) {
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

std::string_view TrimSpace(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\n' || s.front() == '\r' ||
                        s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

std::string Where(std::string_view url) {
  return url.empty() ? std::string("ListObjectsV2 response")
                     : fmt::format("ListObjectsV2 response from {}", url);
}

absl::Status Malformed(std::string_view url, std::string_view what) {
  return absl::InvalidArgumentError(fmt::format("{}: {}", Where(url), what));
}

absl::StatusCode CodeForS3Error(std::string_view code, int http_status) {
  if (code == "NoSuchKey" || code == "NoSuchBucket" || code == "NotFound") {
    return absl::StatusCode::kNotFound;
  }
  if (code == "AccessDenied" || code == "InvalidAccessKeyId" ||
      code == "SignatureDoesNotMatch" || code == "ExpiredToken" || code == "InvalidToken" ||
      code == "TokenRefreshRequired" || code == "AllAccessDisabled" ||
      code == "AccountProblem" || code == "RequestTimeTooSkewed" ||
      code == "InvalidSecurity" || code == "MissingSecurityHeader") {
    return absl::StatusCode::kPermissionDenied;
  }
  if (code == "SlowDown" || code == "InternalError" || code == "ServiceUnavailable" ||
      code == "RequestTimeout") {
    return absl::StatusCode::kUnavailable;
  }
  if (code == "PermanentRedirect" || code == "AuthorizationHeaderMalformed" ||
      code == "IllegalLocationConstraintException" || code == "TemporaryRedirect") {
    return absl::StatusCode::kFailedPrecondition;
  }
  if (http_status == 404) return absl::StatusCode::kNotFound;
  if (http_status == 401 || http_status == 403) return absl::StatusCode::kPermissionDenied;
  if (http_status == 429 || http_status >= 500) return absl::StatusCode::kUnavailable;
  if (http_status == 301 || http_status == 307 || http_status == 400) {
    return code.empty() ? absl::StatusCode::kInvalidArgument
                        : absl::StatusCode::kFailedPrecondition;
  }
  return absl::StatusCode::kInvalidArgument;
}

absl::Status ErrorFromElement(const XmlElement& error, int http_status, std::string_view url) {
  auto text = [&](std::string_view name) {
    const XmlElement* child = error.Child(name);
    return child == nullptr ? std::string() : std::string(TrimSpace(child->text));
  };
  std::string code = text("Code");
  std::string message = text("Message");
  std::string hint;
  if (std::string region = text("Region"); !region.empty()) {
    hint = fmt::format(" (the bucket is in region {}: set storage option 'region')", region);
  } else if (std::string endpoint = text("Endpoint"); !endpoint.empty()) {
    hint = fmt::format(" (the server says to use endpoint {})", endpoint);
  }
  std::string status_text = http_status > 0 ? fmt::format("HTTP {} ", http_status) : "";
  std::string msg = fmt::format("{}: {}{}{}{}{}", url.empty() ? "S3 request" : url, status_text,
                                code.empty() ? "error" : code, message.empty() ? "" : ": ",
                                message, hint);
  return absl::Status(CodeForS3Error(code, http_status), msg);
}

}  // namespace

std::string ListObjectsUrl(const ResolvedRoot& root, std::string_view prefix,
                           std::string_view delimiter, std::string_view continuation_token,
                           int max_keys) {
  std::string full_prefix =
      root.prefix.empty() ? std::string(prefix) : root.prefix + "/" + std::string(prefix);
  // Parameters in sorted order, so the URL is also its own canonical query for signing.
  std::string query;
  auto add = [&query](std::string_view name, std::string_view value) {
    query += query.empty() ? "?" : "&";
    query += name;
    query += "=";
    query += UriEncode(value, false);
  };
  if (!continuation_token.empty()) add("continuation-token", continuation_token);
  if (!delimiter.empty()) add("delimiter", delimiter);
  add("list-type", "2");
  if (max_keys > 0) add("max-keys", std::to_string(max_keys));
  if (!full_prefix.empty()) add("prefix", full_prefix);
  return root.bucket_url + "/" + query;
}

absl::StatusOr<ListPage> ParseListObjectsV2(std::string_view xml, std::string_view url) {
  absl::StatusOr<XmlElement> doc = ParseXml(xml);
  if (!doc.ok()) return Malformed(url, std::string(doc.status().message()));
  if (doc->name == "Error") return ErrorFromElement(*doc, 0, url);
  if (doc->name != "ListBucketResult") {
    return Malformed(url, fmt::format("expected <ListBucketResult>, got <{}>", doc->name));
  }
  ListPage page;
  bool truncated_seen = false;
  for (const XmlElement& e : doc->children) {
    if (e.name == "Contents") {
      const XmlElement* key = e.Child("Key");
      const XmlElement* size = e.Child("Size");
      size_t n = page.objects.size() + 1;
      if (key == nullptr) return Malformed(url, fmt::format("<Contents> #{} has no <Key>", n));
      if (size == nullptr) {
        return Malformed(url, fmt::format("<Contents> for key \"{}\" has no <Size>", key->text));
      }
      ListedObject object;
      object.key = key->text;
      if (!ParseU64(TrimSpace(size->text), &object.size_bytes)) {
        return Malformed(url, fmt::format("<Size> of key \"{}\" is \"{}\", not a byte count",
                                          key->text, size->text));
      }
      if (const XmlElement* etag = e.Child("ETag"); etag != nullptr) {
        object.etag = std::string(TrimSpace(etag->text));
      }
      page.objects.push_back(std::move(object));
    } else if (e.name == "CommonPrefixes") {
      for (const XmlElement& p : e.children) {
        if (p.name == "Prefix") page.common_prefixes.push_back(p.text);
      }
    } else if (e.name == "IsTruncated") {
      std::string_view v = TrimSpace(e.text);
      if (v != "true" && v != "false") {
        return Malformed(url, fmt::format("<IsTruncated> is \"{}\", not true or false", e.text));
      }
      page.is_truncated = v == "true";
      truncated_seen = true;
    } else if (e.name == "NextContinuationToken") {
      page.next_continuation_token = std::string(TrimSpace(e.text));
    } else if (e.name == "KeyCount") {
      uint64_t count = 0;
      if (!ParseU64(TrimSpace(e.text), &count) || count > (uint64_t{1} << 40)) {
        return Malformed(url, fmt::format("<KeyCount> is \"{}\", not a count", e.text));
      }
      page.key_count = static_cast<int64_t>(count);
    }
  }
  if (!truncated_seen) return Malformed(url, "no <IsTruncated>");
  // Without a token a truncated listing cannot continue; asking again would loop forever.
  if (page.is_truncated && page.next_continuation_token.empty()) {
    return Malformed(url, "<IsTruncated> is true but there is no <NextContinuationToken>");
  }
  return page;
}

absl::Status S3ErrorStatus(std::string_view xml, int http_status, std::string_view url) {
  absl::StatusOr<XmlElement> doc = ParseXml(xml);
  if (doc.ok() && doc->name == "Error") return ErrorFromElement(*doc, http_status, url);
  return absl::Status(CodeForS3Error("", http_status),
                      fmt::format("{}: HTTP {}", url.empty() ? "S3 request" : url, http_status));
}

std::string_view KeyRelativeToRoot(const ResolvedRoot& root, std::string_view key) {
  if (root.prefix.empty()) return key;
  if (key.size() <= root.prefix.size() + 1 || key.substr(0, root.prefix.size()) != root.prefix ||
      key[root.prefix.size()] != '/') {
    return {};
  }
  return key.substr(root.prefix.size() + 1);
}

}  // namespace zring::engine::http
