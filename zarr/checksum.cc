#include "zarr/checksum.h"

#include <openssl/evp.h>

#include <algorithm>
#include <memory>

#include "engine/status.h"
#include "fmt/format.h"

namespace zring::zarr {
namespace {

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

class SlabHasher {
 public:
  SlabHasher(const Array& array, EVP_MD_CTX* ctx, uint64_t cap)
      : array_(array), ctx_(ctx), cap_(std::max<uint64_t>(cap, 1)),
        shape_(array.metadata().shape), chunk_(array.metadata().chunk_shape),
        elem_(array.data_type().size_bytes()) {}

  // Hashes the sub-array whose first `fixed.size()` indices are `fixed`, in C order.
  absl::Status Hash(std::vector<uint64_t>& fixed) {
    const size_t d = fixed.size();
    const size_t ndim = shape_.size();
    if (d == ndim) return HashBox(fixed, 1);
    // Bytes of one index step along d (saturating: absurd shapes just recurse further).
    std::vector<uint64_t> trailing(shape_.begin() + static_cast<std::ptrdiff_t>(d) + 1, shape_.end());
    trailing.push_back(elem_);
    const uint64_t row_bytes = ShapeProduct(trailing);
    uint64_t step = 0;
    if (row_bytes <= cap_ / chunk_[d]) step = chunk_[d];   // whole chunk-rows
    else if (row_bytes <= cap_) step = cap_ / row_bytes;   // part of a chunk-row
    if (step == 0) {
      for (uint64_t i = 0; i < shape_[d]; ++i) {
        fixed.push_back(i);
        ZRING_RETURN_IF_ERROR(Hash(fixed));
        fixed.pop_back();
      }
      return absl::OkStatus();
    }
    for (uint64_t start = 0; start < shape_[d]; start += step) {
      fixed.push_back(start);
      ZRING_RETURN_IF_ERROR(HashBox(fixed, std::min(step, shape_[d] - start)));
      fixed.pop_back();
    }
    return absl::OkStatus();
  }

 private:
  // Box: `fixed` indices (size 1 each) except the last, which spans `count`; full trailing dims.
  absl::Status HashBox(const std::vector<uint64_t>& fixed, uint64_t count) {
    const size_t ndim = shape_.size();
    Box box;
    box.origin.assign(ndim, 0);
    box.shape = shape_;
    for (size_t k = 0; k < fixed.size(); ++k) {
      box.origin[k] = fixed[k];
      box.shape[k] = 1;
    }
    if (!fixed.empty()) box.shape[fixed.size() - 1] = count;
    slab_.Resize(box.NumElements() * elem_);
    ZRING_RETURN_IF_ERROR(array_.ReadBox(box, slab_.span()));
    if (EVP_DigestUpdate(ctx_, slab_.data(), slab_.size()) != 1) {
      return absl::InternalError("EVP_DigestUpdate failed");
    }
    return absl::OkStatus();
  }

  const Array& array_;
  EVP_MD_CTX* ctx_;
  uint64_t cap_;
  const std::vector<uint64_t>& shape_;
  const std::vector<uint64_t>& chunk_;
  uint64_t elem_;
  Buffer slab_;
};

}  // namespace

absl::StatusOr<std::string> ArraySha256(const Array& array, uint64_t memory_cap_bytes) {
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
    return absl::InternalError("cannot initialize SHA-256");
  }
  const auto& shape = array.metadata().shape;
  if (std::find(shape.begin(), shape.end(), 0) == shape.end()) {
    SlabHasher hasher(array, ctx.get(), memory_cap_bytes);
    std::vector<uint64_t> fixed;
    ZRING_RETURN_IF_ERROR(hasher.Hash(fixed));
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx.get(), digest, &len) != 1) {
    return absl::InternalError("EVP_DigestFinal_ex failed");
  }
  std::string hex;
  for (unsigned int i = 0; i < len; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

}  // namespace zring::zarr
