// Buffer: an owned, growable byte buffer that does not zero what it allocates.
//
// Decoders overwrite every byte they hand out, so zero-filling (what std::vector<std::byte>
// does on resize) would be a wasted pass over every chunk. Invariant: data() is valid for
// size() bytes; bytes past what a writer wrote are unspecified.
//
//   Buffer out;
//   out.Resize(decoded_size);               // uninitialized
//   std::memcpy(out.data(), src, decoded_size);
//   std::span<const std::byte> view = out.span();
#ifndef ZRING_ZARR_BUFFER_H_
#define ZRING_ZARR_BUFFER_H_

#include <cstddef>
#include <cstring>
#include <memory>
#include <span>

namespace zring::zarr {

class Buffer {
 public:
  Buffer() = default;
  explicit Buffer(size_t size) { Resize(size); }
  Buffer(Buffer&&) noexcept = default;
  Buffer& operator=(Buffer&&) noexcept = default;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  std::byte* data() { return data_.get(); }
  const std::byte* data() const { return data_.get(); }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::span<std::byte> span() { return {data_.get(), size_}; }
  std::span<const std::byte> span() const { return {data_.get(), size_}; }

  // Sets the size; keeps the first min(old, new) bytes; new bytes are uninitialized.
  void Resize(size_t size) {
    if (size > capacity_) {
      size_t cap = capacity_ * 2 > size ? capacity_ * 2 : size;
      std::unique_ptr<std::byte[]> fresh(new std::byte[cap]);
      if (size_ > 0) std::memcpy(fresh.get(), data_.get(), size_);
      data_ = std::move(fresh);
      capacity_ = cap;
    }
    size_ = size;
  }
  void Clear() { size_ = 0; }

  static Buffer CopyOf(std::span<const std::byte> bytes) {
    Buffer b(bytes.size());
    if (!bytes.empty()) std::memcpy(b.data(), bytes.data(), bytes.size());
    return b;
  }

 private:
  std::unique_ptr<std::byte[]> data_;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

}  // namespace zring::zarr

#endif  // ZRING_ZARR_BUFFER_H_
