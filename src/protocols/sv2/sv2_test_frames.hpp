#pragma once
// Builders of Stratum V2 frames for tests and fuzz seeds (little-endian, as on the wire).
#include <cstdint>
#include <string_view>
#include <vector>

namespace minewatch::protocols::sv2::testing {

class FrameBuilder {
 public:
  FrameBuilder& u8(std::uint8_t v) {
    b_.push_back(v);
    return *this;
  }
  FrameBuilder& u16(std::uint16_t v) { return u8(static_cast<std::uint8_t>(v)).u8(static_cast<std::uint8_t>(v >> 8)); }
  FrameBuilder& u24(std::uint32_t v) {
    return u16(static_cast<std::uint16_t>(v)).u8(static_cast<std::uint8_t>(v >> 16));
  }
  FrameBuilder& u32(std::uint32_t v) {
    return u16(static_cast<std::uint16_t>(v)).u16(static_cast<std::uint16_t>(v >> 16));
  }
  FrameBuilder& str(std::string_view s) {
    u8(static_cast<std::uint8_t>(s.size()));
    for (char c : s) u8(static_cast<std::uint8_t>(c));
    return *this;
  }
  FrameBuilder& fill(std::size_t n, std::uint8_t v) {
    for (std::size_t i = 0; i < n; ++i) u8(v);
    return *this;
  }
  [[nodiscard]] const std::vector<std::uint8_t>& bytes() const { return b_; }

 private:
  std::vector<std::uint8_t> b_;
};

// header + payload
inline std::vector<std::uint8_t> frame(std::uint16_t ext, std::uint8_t type, const std::vector<std::uint8_t>& payload) {
  FrameBuilder f;
  f.u16(ext).u8(type).u24(static_cast<std::uint32_t>(payload.size()));
  std::vector<std::uint8_t> out = f.bytes();
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

inline std::vector<std::uint8_t> setup_connection(std::uint8_t protocol = 0, std::string_view host = "pool.example.org",
                                                  std::string_view vendor = "Bitmain") {
  FrameBuilder p;
  p.u8(protocol).u16(2).u16(2).u32(0).str(host).u16(34254).str(vendor).str("S19").str("braiins-os-2024").str("");
  return frame(0, 0x00, p.bytes());
}

inline std::vector<std::uint8_t> setup_success() {
  FrameBuilder p;
  p.u16(2).u32(0);
  return frame(0, 0x01, p.bytes());
}

inline std::vector<std::uint8_t> open_standard_channel(std::string_view user = "alice.rig1") {
  FrameBuilder p;
  p.u32(1).str(user).u32(0x4f000000u /* 2^31 H/s as f32 */).fill(32, 0xff);
  return frame(0, 0x10, p.bytes());
}

inline std::vector<std::uint8_t> open_channel_success() {
  FrameBuilder p;
  p.u32(1).u32(7).fill(28, 0xff).fill(4, 0x00).u8(0).u32(0);  // target 2^224 - 1, no prefix, group 0
  return frame(0, 0x11, p.bytes());
}

inline std::vector<std::uint8_t> new_mining_job(std::uint32_t job) {
  FrameBuilder p;
  p.u32(7).u32(job).u8(0).u32(0x20000000).fill(32, 0xab);
  return frame(0x8000, 0x15, p.bytes());
}

inline std::vector<std::uint8_t> submit_shares_standard(std::uint32_t seq) {
  FrameBuilder p;
  p.u32(7).u32(seq).u32(1).u32(0xdeadbeef).u32(1700000000).u32(0x20000000);
  return frame(0x8000, 0x1a, p.bytes());
}

}  // namespace minewatch::protocols::sv2::testing
