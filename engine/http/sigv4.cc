// AWS4-HMAC-SHA256 request signing: canonical request -> string to sign -> signature.
#include "engine/http/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <ctime>
#include <map>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "engine/status.h"
#include "fmt/format.h"

namespace zring::engine::http {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kEmptySha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// SigV4 header values: leading/trailing spaces removed, inner runs of spaces folded to one.
std::string CanonicalHeaderValue(std::string_view v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

bool IsSignedHeader(const std::string& lower_name) {
  return lower_name == "host" || lower_name == "range" || lower_name.rfind("x-amz-", 0) == 0;
}

bool IsSignerHeader(std::string_view name) {
  std::string n = Lower(name);
  return n == "authorization" || n == "x-amz-date" || n == "x-amz-content-sha256" ||
         n == "x-amz-security-token";
}

}  // namespace

std::string HexLower(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

std::string Sha256Hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  return HexLower(std::string_view(reinterpret_cast<const char*>(md), len));
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), md, &len);
  return std::string(reinterpret_cast<const char*>(md), len);
}

std::string AmzDate(std::chrono::system_clock::time_point t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}{:02}{:02}T{:02}{:02}{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::string CanonicalQueryString(std::string_view raw_query) {
  std::vector<std::pair<std::string, std::string>> params;
  while (!raw_query.empty()) {
    size_t amp = raw_query.find('&');
    std::string_view param = raw_query.substr(0, amp);
    raw_query.remove_prefix(amp == std::string_view::npos ? raw_query.size() : amp + 1);
    if (param.empty()) continue;
    size_t eq = param.find('=');
    std::string_view name = param.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? "" : param.substr(eq + 1);
    // Decode first so an already-encoded value is not encoded twice; a malformed escape is
    // sent by the client as written, so it is signed as written (its '%' encoded).
    std::string n, v;
    if (!PercentDecode(name, &n)) n = std::string(name);
    if (!PercentDecode(value, &v)) v = std::string(value);
    params.emplace_back(UriEncode(n, false), UriEncode(v, false));
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out.push_back('&');
    out += name;
    out.push_back('=');
    out += value;
  }
  return out;
}

absl::StatusOr<SigV4Parts> ComputeSigV4(std::string_view method, std::string_view url,
                                        const Headers& headers, const AwsCredentials& credentials,
                                        const SigV4Config& config,
                                        std::chrono::system_clock::time_point now) {
  ZRING_ASSIGN_OR_RETURN(UrlParts parts, SplitUrl(url));
  if (parts.scheme != "http" && parts.scheme != "https") {
    return absl::InvalidArgumentError(
        fmt::format("cannot sign \"{}\": only http:// and https:// requests are signed", url));
  }
  if (credentials.access_key_id.empty() || credentials.secret_access_key.empty()) {
    return absl::InvalidArgumentError(
        fmt::format("cannot sign \"{}\": credentials have no access key id or secret", url));
  }
  SigV4Parts out;
  out.amz_date = AmzDate(now);
  const std::string date = out.amz_date.substr(0, 8);
  out.scope = fmt::format("{}/{}/{}/aws4_request", date, config.region, config.service);
  const std::string payload_hash = config.payload == PayloadHash::kUnsigned
                                       ? std::string("UNSIGNED-PAYLOAD")
                                       : std::string(kEmptySha256);

  out.added_headers.emplace_back("x-amz-date", out.amz_date);
  if (config.content_sha256_header) {
    out.added_headers.emplace_back("x-amz-content-sha256", payload_hash);
  }
  if (!credentials.session_token.empty()) {
    out.added_headers.emplace_back("x-amz-security-token", credentials.session_token);
  }

  // name -> values in order; std::map keeps names sorted as SigV4 wants.
  std::map<std::string, std::vector<std::string>> signed_values;
  bool has_host = false;
  auto add = [&](std::string_view name, std::string_view value) {
    std::string lower = Lower(name);
    if (!IsSignedHeader(lower)) return;
    has_host = has_host || lower == "host";
    signed_values[lower].push_back(CanonicalHeaderValue(value));
  };
  for (const auto& [name, value] : headers) {
    if (!IsSignerHeader(name)) add(name, value);
  }
  for (const auto& [name, value] : out.added_headers) add(name, value);
  if (!has_host) signed_values["host"].push_back(HostHeaderValue(parts));

  std::string canonical_headers;
  for (const auto& [name, values] : signed_values) {
    if (!out.signed_headers.empty()) out.signed_headers.push_back(';');
    out.signed_headers += name;
    canonical_headers += name;
    canonical_headers.push_back(':');
    for (size_t i = 0; i < values.size(); ++i) {
      if (i > 0) canonical_headers.push_back(',');
      canonical_headers += values[i];
    }
    canonical_headers.push_back('\n');
  }

  out.canonical_request = fmt::format("{}\n{}\n{}\n{}\n{}\n{}", method,
                                      parts.path.empty() ? "/" : parts.path,
                                      CanonicalQueryString(parts.query), canonical_headers,
                                      out.signed_headers, payload_hash);
  out.string_to_sign = fmt::format("{}\n{}\n{}\n{}", kAlgorithm, out.amz_date, out.scope,
                                   Sha256Hex(out.canonical_request));
  std::string key = HmacSha256("AWS4" + credentials.secret_access_key, date);
  key = HmacSha256(key, config.region);
  key = HmacSha256(key, config.service);
  key = HmacSha256(key, "aws4_request");
  out.signature = HexLower(HmacSha256(key, out.string_to_sign));
  out.authorization =
      fmt::format("{} Credential={}/{},SignedHeaders={},Signature={}", kAlgorithm,
                  credentials.access_key_id, out.scope, out.signed_headers, out.signature);
  out.added_headers.emplace_back("Authorization", out.authorization);
  return out;
}

SigV4Signer::SigV4Signer(AwsCredentials credentials, SigV4Config config, Clock clock)
    : credentials_(std::move(credentials)), config_(std::move(config)), clock_(std::move(clock)) {}

absl::Status SigV4Signer::Sign(std::string_view method, const std::string& url,
                               Headers* headers) const {
  // A retry passes the headers of the previous attempt: drop the old signature first.
  std::erase_if(*headers, [](const auto& h) { return IsSignerHeader(h.first); });
  auto now = clock_ ? clock_() : std::chrono::system_clock::now();
  ZRING_ASSIGN_OR_RETURN(SigV4Parts parts,
                         ComputeSigV4(method, url, *headers, credentials_, config_, now));
  for (auto& header : parts.added_headers) headers->push_back(std::move(header));
  return absl::OkStatus();
}

}  // namespace zring::engine::http
