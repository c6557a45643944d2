#pragma once
// Bounds-checked cursor over untrusted bytes. Reads past the end yield zero and clear ok();
// callers check once after a group of reads: `if (!r) return Malformed{...};`
#include <cstddef>
#include <cstdint>
#include <span>

namespace minewatch {

class ByteReader {
 public:
  explicit ByteReader(std::span<const std::uint8_t> data) : data_(data) {}

  explicit operator bool() const { return ok_; }
  [[nodiscard]] bool ok() const { return ok_; }
  [[nodiscard]] std::size_t offset() const { return pos_; }
  [[nodiscard]] std::size_t remaining() const { return ok_ ? data_.size() - pos_ : 0; }
  [[nodiscard]] std::span<const std::uint8_t> rest() const {
    return ok_ ? data_.subspan(pos_) : std::span<const std::uint8_t>{};
  }
  [[nodiscard]] const std::uint8_t* cursor() const { return data_.data() + pos_; }

  bool need(std::size_t n) {
    if (!ok_ || data_.size() - pos_ < n) {
      ok_ = false;
      return false;
    }
    return true;
  }
  void skip(std::size_t n) {
    if (need(n)) pos_ += n;
  }
  std::uint8_t u8() {
    if (!need(1)) return 0;
    return data_[pos_++];
  }
  std::uint16_t be16() {
    if (!need(2)) return 0;
    auto v = static_cast<std::uint16_t>((data_[pos_] << 8) | data_[pos_ + 1]);
    pos_ += 2;
    return v;
  }
  std::uint32_t be24() {
    if (!need(3)) return 0;
    auto v = (std::uint32_t{data_[pos_]} << 16) | (std::uint32_t{data_[pos_ + 1]} << 8) | data_[pos_ + 2];
    pos_ += 3;
    return v;
  }
  std::uint32_t be32() {
    if (!need(4)) return 0;
    auto v = (std::uint32_t{data_[pos_]} << 24) | (std::uint32_t{data_[pos_ + 1]} << 16) |
             (std::uint32_t{data_[pos_ + 2]} << 8) | data_[pos_ + 3];
    pos_ += 4;
    return v;
  }
  std::uint16_t le16() {
    if (!need(2)) return 0;
    auto v = static_cast<std::uint16_t>(data_[pos_] | (data_[pos_ + 1] << 8));
    pos_ += 2;
    return v;
  }
  std::uint32_t le24() {
    if (!need(3)) return 0;
    auto v =
        std::uint32_t{data_[pos_]} | (std::uint32_t{data_[pos_ + 1]} << 8) | (std::uint32_t{data_[pos_ + 2]} << 16);
    pos_ += 3;
    return v;
  }
  std::uint32_t le32() {
    if (!need(4)) return 0;
    auto v = std::uint32_t{data_[pos_]} | (std::uint32_t{data_[pos_ + 1]} << 8) |
             (std::uint32_t{data_[pos_ + 2]} << 16) | (std::uint32_t{data_[pos_ + 3]} << 24);
    pos_ += 4;
    return v;
  }
  std::span<const std::uint8_t> bytes(std::size_t n) {
    if (!need(n)) return {};
    auto s = data_.subspan(pos_, n);
    pos_ += n;
    return s;
  }

 private:
  std::span<const std::uint8_t> data_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace minewatch
