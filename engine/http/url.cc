// Strict URL splitting and RFC 3986 percent-encoding.
#include "engine/http/url.h"

#include "absl/status/status.h"
#include "fmt/format.h"

namespace zring::engine::http {
namespace {

absl::Status BadUrl(std::string_view url, std::string_view why) {
  return absl::InvalidArgumentError(fmt::format("malformed URL \"{}\": {}", url, why));
}

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         c == '-' || c == '.' || c == '_' || c == '~';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

absl::StatusOr<UrlParts> SplitUrl(std::string_view url) {
  for (unsigned char c : url) {
    if (c <= 0x20 || c == 0x7f) {
      return BadUrl(url, "spaces and control characters must be percent-encoded");
    }
  }
  size_t sep = url.find("://");
  if (sep == std::string_view::npos || sep == 0) return BadUrl(url, "expected scheme://host/...");
  UrlParts parts;
  for (size_t i = 0; i < sep; ++i) {
    char c = url[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (i > 0 && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'));
    if (!ok) return BadUrl(url, "the scheme must be a letter followed by letters/digits/+-.");
  }
  parts.scheme = Lower(url.substr(0, sep));
  std::string_view rest = url.substr(sep + 3);
  size_t fragment = rest.find('#');
  if (fragment != std::string_view::npos) {
    parts.has_fragment = true;
    rest = rest.substr(0, fragment);
  }
  size_t auth_end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, auth_end);
  rest.remove_prefix(auth_end == std::string_view::npos ? rest.size() : auth_end);
  if (authority.find('@') != std::string_view::npos) {
    return BadUrl(url, "credentials in the URL (user@host) are not supported; use storage options");
  }
  std::string_view host = authority;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return BadUrl(url, "unterminated IPv6 address");
    host = authority.substr(0, close + 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return BadUrl(url, "unexpected characters after the IPv6 address");
      port = after.substr(1);
      if (port.empty()) return BadUrl(url, "empty port");
    }
  } else {
    size_t colon = authority.find(':');
    if (colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
      if (port.empty()) return BadUrl(url, "empty port");
    }
  }
  if (host.empty()) return BadUrl(url, "no host (or bucket) name");
  if (!port.empty()) {
    int value = 0;
    for (char c : port) {
      if (c < '0' || c > '9' || value > 65535) return BadUrl(url, "the port is not a number");
      value = value * 10 + (c - '0');
    }
    if (value < 1 || value > 65535) return BadUrl(url, "the port is outside 1-65535");
    parts.port = value;
  }
  parts.host = Lower(host);
  size_t q = rest.find('?');
  parts.path = std::string(rest.substr(0, q));
  if (q != std::string_view::npos) {
    parts.has_query = true;
    parts.query = std::string(rest.substr(q + 1));
  }
  return parts;
}

std::string HostHeaderValue(const UrlParts& url) {
  bool default_port = url.port < 0 || (url.scheme == "http" && url.port == 80) ||
                      (url.scheme == "https" && url.port == 443);
  return default_port ? url.host : fmt::format("{}:{}", url.host, url.port);
}

std::string UriEncode(std::string_view s, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (IsUnreserved(c) || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

bool PercentDecode(std::string_view s, std::string* out) {
  out->clear();
  out->reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out->push_back(s[i]);
      continue;
    }
    if (s.size() - i < 3) return false;  // '%' needs two hex digits after it
    int hi = HexValue(s[i + 1]);
    int lo = HexValue(s[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return true;
}

}  // namespace zring::engine::http
