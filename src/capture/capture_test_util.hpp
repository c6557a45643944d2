#pragma once
// Builders for the capture files the capture tests and benchmarks write; header-only, test use only.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

namespace minewatch::capture::testing {

using Bytes = std::vector<std::uint8_t>;

// Classic pcap in any of the four flavours (µs/ns, little/big endian).
class PcapBuilder {
 public:
  PcapBuilder(std::uint32_t link_type = 1, bool nanoseconds = false, bool big_endian = false,
              std::uint32_t snaplen = 65535)
      : big_endian_(big_endian) {
    put32(nanoseconds ? 0xa1b23c4d : 0xa1b2c3d4);
    put16(2);
    put16(4);
    put32(0);
    put32(0);
    put32(snaplen);
    put32(link_type);
  }

  PcapBuilder& add(std::uint32_t sec, std::uint32_t frac, const Bytes& data, std::uint32_t orig_len = 0) {
    return add_record(sec, frac, static_cast<std::uint32_t>(data.size()),
                      orig_len == 0 ? static_cast<std::uint32_t>(data.size()) : orig_len, data);
  }
  // A record whose incl_len field says `incl_len` whatever data follows.
  PcapBuilder& add_record(std::uint32_t sec, std::uint32_t frac, std::uint32_t incl_len, std::uint32_t orig_len,
                          const Bytes& data) {
    put32(sec);
    put32(frac);
    put32(incl_len);
    put32(orig_len);
    bytes_.insert(bytes_.end(), data.begin(), data.end());
    return *this;
  }

  [[nodiscard]] const Bytes& bytes() const { return bytes_; }

 private:
  void put16(std::uint16_t v) {
    if (big_endian_) {
      bytes_.push_back(static_cast<std::uint8_t>(v >> 8));
      bytes_.push_back(static_cast<std::uint8_t>(v));
    } else {
      bytes_.push_back(static_cast<std::uint8_t>(v));
      bytes_.push_back(static_cast<std::uint8_t>(v >> 8));
    }
  }
  void put32(std::uint32_t v) {
    if (big_endian_) {
      put16(static_cast<std::uint16_t>(v >> 16));
      put16(static_cast<std::uint16_t>(v));
    } else {
      put16(static_cast<std::uint16_t>(v));
      put16(static_cast<std::uint16_t>(v >> 16));
    }
  }

  bool big_endian_;
  Bytes bytes_;
};

// Minimal little-endian pcapng: SHB, one IDB, then enhanced packet blocks (µs resolution).
class PcapngBuilder {
 public:
  explicit PcapngBuilder(std::uint16_t link_type = 1) {
    put32(0x0A0D0D0A);
    put32(28);
    put32(0x1A2B3C4D);
    put16(1);
    put16(0);
    put32(0xFFFFFFFF);  // section length unknown
    put32(0xFFFFFFFF);
    put32(28);
    put32(1);  // IDB
    put32(20);
    put16(link_type);
    put16(0);
    put32(0);  // snaplen: no limit
    put32(20);
  }

  PcapngBuilder& add(std::uint64_t ts_us, const Bytes& data) {
    const auto padded = static_cast<std::uint32_t>((data.size() + 3) & ~std::size_t{3});
    const std::uint32_t total = 32 + padded;
    put32(6);
    put32(total);
    put32(0);  // interface 0
    put32(static_cast<std::uint32_t>(ts_us >> 32));
    put32(static_cast<std::uint32_t>(ts_us));
    put32(static_cast<std::uint32_t>(data.size()));
    put32(static_cast<std::uint32_t>(data.size()));
    bytes_.insert(bytes_.end(), data.begin(), data.end());
    bytes_.resize(bytes_.size() + (padded - data.size()), 0);
    put32(total);
    return *this;
  }

  [[nodiscard]] const Bytes& bytes() const { return bytes_; }

 private:
  void put16(std::uint16_t v) {
    bytes_.push_back(static_cast<std::uint8_t>(v));
    bytes_.push_back(static_cast<std::uint8_t>(v >> 8));
  }
  void put32(std::uint32_t v) {
    put16(static_cast<std::uint16_t>(v));
    put16(static_cast<std::uint16_t>(v >> 16));
  }
  Bytes bytes_;
};

// A file in the test temp directory, removed when the object goes.
class TempFile {
 public:
  explicit TempFile(const Bytes& contents, const std::string& suffix = ".pcap") {
    static int counter = 0;
    const char* dir = std::getenv("TMPDIR");
    path_ = std::string(dir != nullptr ? dir : "/tmp") + "/minewatch_capture_" + std::to_string(::getpid()) + "_" +
            std::to_string(counter++) + suffix;
    std::ofstream out(path_, std::ios::binary);
    out.write(reinterpret_cast<const char*>(contents.data()), static_cast<std::streamsize>(contents.size()));
  }
  ~TempFile() { std::remove(path_.c_str()); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline Bytes counting_frame(std::size_t size, std::uint8_t seed) {
  Bytes b(size);
  for (std::size_t i = 0; i < size; ++i) b[i] = static_cast<std::uint8_t>(seed + i);
  return b;
}

}  // namespace minewatch::capture::testing
