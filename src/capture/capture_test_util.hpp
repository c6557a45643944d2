#pragma once
// Builders for the capture files the capture tests and benchmarks write; header-only, test use only.
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

namespace minewatch::capture::testing {

using Bytes = std::vector<std::uint8_t>;

// Appends numbers in either byte order; the capture builders below write through it.
class ByteWriter {
 public:
  explicit ByteWriter(bool big_endian = false) : big_endian_(big_endian) {}
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
    put16(static_cast<std::uint16_t>(big_endian_ ? v >> 16 : v));
    put16(static_cast<std::uint16_t>(big_endian_ ? v : v >> 16));
  }
  void put64(std::uint64_t v) {
    put32(static_cast<std::uint32_t>(big_endian_ ? v >> 32 : v));
    put32(static_cast<std::uint32_t>(big_endian_ ? v : v >> 32));
  }
  void put(const Bytes& data) { bytes_.insert(bytes_.end(), data.begin(), data.end()); }
  void pad4() {
    while (bytes_.size() % 4 != 0) bytes_.push_back(0);
  }
  // Overwrites the four bytes at `at` (written earlier) with `v`.
  void set32(std::size_t at, std::uint32_t v) {
    ByteWriter w(big_endian_);
    w.put32(v);
    std::copy(w.bytes_.begin(), w.bytes_.end(), bytes_.begin() + static_cast<std::ptrdiff_t>(at));
  }

  [[nodiscard]] const Bytes& bytes() const { return bytes_; }
  [[nodiscard]] Bytes& bytes() { return bytes_; }

 private:
  bool big_endian_;
  Bytes bytes_;
};

// Classic pcap in any of the four flavours (µs/ns, little/big endian).
class PcapBuilder {
 public:
  PcapBuilder(std::uint32_t link_type = 1, bool nanoseconds = false, bool big_endian = false,
              std::uint32_t snaplen = 65535)
      : w_(big_endian) {
    w_.put32(nanoseconds ? 0xa1b23c4d : 0xa1b2c3d4);
    w_.put16(2);
    w_.put16(4);
    w_.put32(0);
    w_.put32(0);
    w_.put32(snaplen);
    w_.put32(link_type);
  }

  PcapBuilder& add(std::uint32_t sec, std::uint32_t frac, const Bytes& data, std::uint32_t orig_len = 0) {
    return add_record(sec, frac, static_cast<std::uint32_t>(data.size()),
                      orig_len == 0 ? static_cast<std::uint32_t>(data.size()) : orig_len, data);
  }
  // A record whose incl_len field says `incl_len` whatever data follows.
  PcapBuilder& add_record(std::uint32_t sec, std::uint32_t frac, std::uint32_t incl_len, std::uint32_t orig_len,
                          const Bytes& data) {
    w_.put32(sec);
    w_.put32(frac);
    w_.put32(incl_len);
    w_.put32(orig_len);
    w_.put(data);
    return *this;
  }

  [[nodiscard]] const Bytes& bytes() const { return w_.bytes(); }

 private:
  ByteWriter w_;
};

// pcapng of any shape, in either byte order: blocks as asked, each length written at both ends.
class PcapngWriter {
 public:
  static constexpr std::uint32_t kSectionHeader = 0x0A0D0D0A, kInterface = 1, kObsoletePacket = 2, kSimplePacket = 3,
                                 kEnhancedPacket = 6;
  explicit PcapngWriter(bool big_endian = false) : w_(big_endian) {}

  PcapngWriter& section() {
    return block(kSectionHeader, [&] {
      w_.put32(0x1A2B3C4D);  // byte-order magic
      w_.put16(1);
      w_.put16(0);
      w_.put64(~std::uint64_t{0});  // section length unknown
    });
  }
  // Options only when given (then ended by an end-of-options).
  PcapngWriter& interface(std::uint16_t link, std::uint32_t snaplen, std::optional<std::uint8_t> tsresol = {},
                          std::optional<std::int64_t> tsoffset = {}) {
    return block(kInterface, [&] {
      w_.put16(link);
      w_.put16(0);
      w_.put32(snaplen);
      if (tsresol) {
        w_.put16(9);
        w_.put16(1);
        w_.put({*tsresol});
        w_.pad4();
      }
      if (tsoffset) {
        w_.put16(14);
        w_.put16(8);
        w_.put64(static_cast<std::uint64_t>(*tsoffset));
      }
      if (tsresol || tsoffset) w_.put32(0);
    });
  }
  PcapngWriter& epb(std::uint32_t iface, std::uint64_t units, const Bytes& data, std::uint32_t wire = 0) {
    return block(kEnhancedPacket, [&] {
      w_.put32(iface);
      timed_packet(units, data, wire);
    });
  }
  PcapngWriter& pb(std::uint16_t iface, std::uint64_t units, const Bytes& data) {
    return block(kObsoletePacket, [&] {
      w_.put16(iface);
      w_.put16(0);  // drops
      timed_packet(units, data, 0);
    });
  }
  PcapngWriter& spb(std::uint32_t wire, const Bytes& data) {
    return block(kSimplePacket, [&] {
      w_.put32(wire);
      w_.put(data);
    });
  }
  // A block of another type with `body` filler bytes.
  PcapngWriter& other(std::uint32_t type, std::size_t body) {
    return block(type, [&] { w_.put(Bytes(body, 0xEE)); });
  }

  [[nodiscard]] const Bytes& bytes() const { return w_.bytes(); }

 private:
  template <typename Body>
  PcapngWriter& block(std::uint32_t type, Body&& body) {
    const std::size_t start = w_.bytes().size();
    w_.put32(type);
    w_.put32(0);  // the length, once known
    body();
    w_.pad4();
    const auto total = static_cast<std::uint32_t>(w_.bytes().size() - start + 4);
    w_.put32(total);
    w_.set32(start + 4, total);
    return *this;
  }
  void timed_packet(std::uint64_t units, const Bytes& data, std::uint32_t wire) {
    w_.put32(static_cast<std::uint32_t>(units >> 32));
    w_.put32(static_cast<std::uint32_t>(units));
    w_.put32(static_cast<std::uint32_t>(data.size()));
    w_.put32(wire == 0 ? static_cast<std::uint32_t>(data.size()) : wire);
    w_.put(data);
  }
  ByteWriter w_;
};

// Minimal little-endian pcapng: a section, one interface (µs, no snaplen), enhanced packet blocks.
class PcapngBuilder {
 public:
  explicit PcapngBuilder(std::uint16_t link_type = 1) { w_.section().interface(link_type, 0); }
  PcapngBuilder& add(std::uint64_t ts_us, const Bytes& data) {
    w_.epb(0, ts_us, data);
    return *this;
  }
  [[nodiscard]] const Bytes& bytes() const { return w_.bytes(); }

 private:
  PcapngWriter w_;
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
