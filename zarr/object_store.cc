#include "zarr/object_store.h"

#include <unistd.h>

#include <algorithm>
#include <utility>

#include "engine/engine.h"
#include "engine/http/caching_client.h"
#include "engine/http/s3_list.h"
#include "engine/status.h"
#include "fmt/format.h"
#include "zarr/errors.h"

namespace zring::zarr {

namespace http = engine::http;

namespace {
constexpr uint64_t kDefaultCacheBytes = uint64_t{1} << 30;  // cache_dir without cache_bytes
}  // namespace

ObjectStore::ObjectStore(std::string url, http::ResolvedRoot root, http::StorageOptions options)
    : url_(std::move(url)), root_(std::move(root)), options_(std::move(options)) {}

ObjectStore::~ObjectStore() {
  // A parent's client has no threads in a forked child: joining them would never return.
  if (client_ != nullptr && client_pid_ != ::getpid()) client_.release();
}

absl::StatusOr<std::unique_ptr<ObjectStore>> ObjectStore::Open(
    std::string_view url, const http::StorageOptions& options) {
  std::string text(url);
  while (text.size() > 1 && text.back() == '/') text.pop_back();
  ZRING_ASSIGN_OR_RETURN(http::ResolvedRoot root, http::ResolveRoot(text, options));
  return std::unique_ptr<ObjectStore>(new ObjectStore(std::move(text), std::move(root), options));
}

absl::StatusOr<std::unique_ptr<ObjectStore>> ObjectStore::FromRoot(
    http::ResolvedRoot root, const http::StorageOptions& options) {
  std::string url = root.base_url;
  return std::unique_ptr<ObjectStore>(new ObjectStore(std::move(url), std::move(root), options));
}

std::string ObjectStore::UrlOf(std::string_view key) const { return http::ObjectUrl(root_, key); }

std::string ObjectStore::DescribeKey(std::string_view key) const {
  return fmt::format("key \"{}\" of {} ({})", key, url_, UrlOf(key));
}

absl::StatusOr<http::HttpClient*> ObjectStore::Client() const {
  std::lock_guard<std::mutex> lock(mu_);
  const pid_t pid = ::getpid();
  if (client_ != nullptr && client_pid_ != pid) client_.release();  // the parent's, after fork
  if (client_ == nullptr) {
    ZRING_ASSIGN_OR_RETURN(std::unique_ptr<http::HttpClient> client,
                           http::HttpClient::Create(options_.http));
    if (!options_.cache_dir.empty()) {
      // The same bound the engine gives the shared cache directory when none is set.
      const uint64_t bytes = options_.cache_bytes > 0 ? options_.cache_bytes : kDefaultCacheBytes;
      ZRING_ASSIGN_OR_RETURN(
          client, http::MakeCachingClient(std::move(client), options_.cache_dir, bytes));
    }
    client_ = std::move(client);
    client_pid_ = pid;
  }
  return client_.get();
}

http::HttpStats ObjectStore::HttpStats() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (client_ == nullptr || client_pid_ != ::getpid()) return {};
  return client_->Stats();
}

absl::StatusOr<http::HttpResponse> ObjectStore::Fetch(http::HttpRequest request,
                                                      std::string_view key) const {
  ZRING_ASSIGN_OR_RETURN(http::HttpClient * client, Client());
  request.signer = root_.signer;
  http::HttpResponse response = client->Fetch(std::move(request));
  if (absl::IsNotFound(response.status)) {
    return absl::NotFoundError(
        fmt::format("{} is not stored: {}", DescribeKey(key), MessageOf(response.status)));
  }
  if (!response.status.ok()) return WithPrefix(response.status, DescribeKey(key));
  return response;
}

absl::StatusOr<Buffer> ObjectStore::Get(std::string_view key) const {
  ZRING_RETURN_IF_ERROR(ValidateKey(key));
  http::HttpRequest request;
  request.url = UrlOf(key);
  ZRING_ASSIGN_OR_RETURN(http::HttpResponse response, Fetch(std::move(request), key));
  return Buffer::CopyOf(std::span<const std::byte>(response.body.data(), response.bytes));
}

absl::StatusOr<Buffer> ObjectStore::GetRange(std::string_view key, ByteRange range) const {
  ZRING_RETURN_IF_ERROR(ValidateKey(key));
  if (range.length == 0) {
    // HTTP has no empty range: check the bounds against the object's size instead.
    ZRING_ASSIGN_OR_RETURN(uint64_t size, GetSize(key));
    ZRING_RETURN_IF_ERROR(ResolveRange(key, range, size).status());
    return Buffer();
  }
  Buffer out(range.length);
  http::HttpRequest request;
  request.url = UrlOf(key);
  request.range = range.suffix ? http::RangeKind::kSuffix : http::RangeKind::kRange;
  request.offset = range.suffix ? 0 : range.offset;
  request.length = range.length;
  request.dst = out.span();
  ZRING_ASSIGN_OR_RETURN(http::HttpResponse response, Fetch(std::move(request), key));
  if (response.bytes == range.length) return out;
  // The object ended first: the same kOutOfRange a local file gives, with the size when the
  // server told it (a short body means the object holds offset + bytes at most).
  const uint64_t size = response.object_size_known
                            ? response.object_size
                            : (range.suffix ? response.bytes : range.offset + response.bytes);
  absl::Status st = ResolveRange(key, range, size).status();
  if (st.ok()) {
    st = absl::DataLossError(fmt::format("{} holds {} bytes, but only {} of [{}, {}) arrived",
                                         DescribeKey(key), size, response.bytes, range.offset,
                                         range.offset + range.length));
  }
  return WithPrefix(st, url_);
}

absl::StatusOr<uint64_t> ObjectStore::GetSize(std::string_view key) const {
  ZRING_RETURN_IF_ERROR(ValidateKey(key));
  http::HttpRequest request;
  request.method = http::Method::kHead;
  request.url = UrlOf(key);
  ZRING_ASSIGN_OR_RETURN(http::HttpResponse response, Fetch(std::move(request), key));
  if (!response.object_size_known) {
    return absl::UnavailableError(
        fmt::format("{}: the server sent no Content-Length for HEAD", DescribeKey(key)));
  }
  return response.object_size;
}

absl::Status ObjectStore::ListUnavailable(std::string_view prefix) const {
  return absl::UnimplementedError(fmt::format(
      "{} cannot be listed (prefix \"{}\"): a plain HTTP server has no listing; write "
      "consolidated metadata (v2 .zmetadata, or consolidated_metadata in the v3 root zarr.json) "
      "or open the array by its path",
      url_, prefix));
}

absl::Status ObjectStore::ListPages(std::string_view prefix, bool one_level, StoreListing* dir,
                                    std::vector<StoreEntry>* entries) const {
  if (!root_.listable) return ListUnavailable(prefix);
  if (!prefix.empty()) ZRING_RETURN_IF_ERROR(ValidateKey(prefix));
  const std::string below = prefix.empty() ? std::string() : std::string(prefix) + "/";
  std::string continuation;
  for (int page = 0;; ++page) {
    http::HttpRequest request;
    request.url = http::ListObjectsUrl(root_, below, one_level ? "/" : "", continuation);
    const std::string list_url = request.url;
    ZRING_ASSIGN_OR_RETURN(http::HttpResponse response,
                           Fetch(std::move(request), prefix.empty() ? "." : prefix));
    const std::string_view xml(reinterpret_cast<const char*>(response.body.data()),
                               response.bytes);
    absl::StatusOr<http::ListPage> parsed = http::ParseListObjectsV2(xml, list_url);
    if (!parsed.ok()) {
      return WithPrefix(parsed.status(),
                        fmt::format("{}: listing \"{}\", page {}", url_, prefix, page + 1));
    }
    // Names below `below`, relative to it; empty when the server sent something outside.
    auto relative = [&](std::string_view bucket_key) {
      std::string_view k = http::KeyRelativeToRoot(root_, bucket_key);
      if (k.substr(0, below.size()) != below) return std::string_view();
      return k.substr(below.size());
    };
    for (const http::ListedObject& o : parsed->objects) {
      const std::string_view name = relative(o.key);
      // Skips "dir/" placeholder objects and names no key could have.
      if (name.empty() || !ValidateKey(name).ok()) continue;
      if (dir != nullptr) dir->values.emplace_back(name);
      if (entries != nullptr) entries->push_back({below + std::string(name), o.size_bytes});
    }
    if (dir != nullptr) {
      for (const std::string& p : parsed->common_prefixes) {
        std::string_view name = relative(p);
        while (!name.empty() && name.back() == '/') name.remove_suffix(1);
        if (!name.empty() && ValidateKey(name).ok()) dir->prefixes.emplace_back(name);
      }
    }
    if (!parsed->is_truncated) break;
    if (parsed->next_continuation_token.empty()) {
      return absl::DataLossError(fmt::format(
          "{}: listing \"{}\": page {} is truncated but has no NextContinuationToken", url_,
          prefix, page + 1));
    }
    continuation = parsed->next_continuation_token;
  }
  return absl::OkStatus();
}

absl::StatusOr<StoreListing> ObjectStore::ListDir(std::string_view prefix) const {
  StoreListing out;
  ZRING_RETURN_IF_ERROR(ListPages(prefix, true, &out, nullptr));
  std::sort(out.values.begin(), out.values.end());
  std::sort(out.prefixes.begin(), out.prefixes.end());
  out.prefixes.erase(std::unique(out.prefixes.begin(), out.prefixes.end()), out.prefixes.end());
  return out;
}

absl::StatusOr<std::vector<StoreEntry>> ObjectStore::ListRecursive(std::string_view prefix) const {
  std::vector<StoreEntry> out;
  ZRING_RETURN_IF_ERROR(ListPages(prefix, false, nullptr, &out));
  std::sort(out.begin(), out.end(),
            [](const StoreEntry& a, const StoreEntry& b) { return a.key < b.key; });
  return out;
}

absl::Status ObjectStore::Set(std::string_view key, std::span<const std::byte>) {
  return absl::UnimplementedError(
      fmt::format("{} is read-only: cannot write key \"{}\"", url_, key));
}

absl::Status ObjectStore::Delete(std::string_view key) {
  return absl::UnimplementedError(
      fmt::format("{} is read-only: cannot delete key \"{}\"", url_, key));
}

absl::StatusOr<engine::SourceId> ObjectStore::RegisterWithEngine(engine::Engine& engine,
                                                                 std::string_view key,
                                                                 SourceUse) const {
  ZRING_RETURN_IF_ERROR(ValidateKey(key));
  return engine.AddObject(UrlOf(key), root_.signer);
}

void ObjectStore::ConfigureEngine(engine::EngineOptions& options) const {
  options.http = options_.http;
  options.remote_coalesce_gap_bytes = static_cast<int64_t>(options_.coalesce_gap_bytes);
  options.cache_dir = options_.cache_dir;
  options.cache_bytes = options_.cache_bytes;
}

}  // namespace zring::zarr
