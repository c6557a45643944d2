#pragma once
// Share targets to work, shared by the Stratum, CryptoNote, EthProxy and getwork interpreters.
//
// Units, one convention for every family:
//   target_work = expected hash (or solution) attempts per share = 2^256 / target for 256-bit targets,
//                 difficulty itself for CryptoNote and Ethash (both already count hashes per share).
//   difficulty  = what the protocol calls difficulty: the pool's own number for mining.set_difficulty;
//                 for Bitcoin-style 256-bit targets (mining.set_target, getwork, getblocktemplate) the
//                 "difficulty-1 = 2^32 hashes" scale, i.e. target_work / 2^32; for CryptoNote targets and
//                 Ethash boundaries hashes per share (= target_work).
// Hex parsing is into double: 53 bits of mantissa are plenty for a work estimate.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace minewatch::protocols {

inline constexpr double kTwoPow32 = 4294967296.0;
inline constexpr double kTwoPow64 = 18446744073709551616.0;

constexpr int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

constexpr std::string_view strip_0x(std::string_view s) {
  if (s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s.remove_prefix(2);
  return s;
}

constexpr bool is_hex(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (hex_digit(c) < 0) return false;
  }
  return true;
}

// Big-endian hex (optional 0x) to double; nullopt when empty, not hex or longer than 64 digits.
inline std::optional<double> hex_be_to_double(std::string_view s) {
  s = strip_0x(s);
  if (!is_hex(s) || s.size() > 64) return std::nullopt;
  double v = 0;
  for (char c : s) v = v * 16.0 + hex_digit(c);
  return v;
}

// Little-endian hex bytes (byte 0 least significant) to double; nullopt unless an even count of hex digits.
inline std::optional<double> hex_le_to_double(std::string_view s) {
  if (!is_hex(s) || s.size() % 2 != 0 || s.size() > 64) return std::nullopt;
  double v = 0;
  for (std::size_t i = s.size(); i >= 2; i -= 2) v = v * 256.0 + hex_digit(s[i - 2]) * 16 + hex_digit(s[i - 1]);
  return v;
}

// Expected attempts per share for a 256-bit target value: 2^256 / target. nullopt for target 0.
inline std::optional<double> work_from_target256(double target) {
  if (!(target > 0)) return std::nullopt;
  return std::ldexp(1.0, 256) / target;
}

// CryptoNote (XMRig Job::setTarget): 8 hex digits = 4-byte little-endian t32, difficulty = (2^32-1)/t32;
// 16 hex digits = 8-byte little-endian t64, difficulty = 2^64/t64. Difficulty counts hashes per share.
inline std::optional<double> cryptonote_difficulty(std::string_view target_hex) {
  if (target_hex.size() != 8 && target_hex.size() != 16) return std::nullopt;
  auto t = hex_le_to_double(target_hex);
  if (!t || !(*t > 0)) return std::nullopt;
  return target_hex.size() == 8 ? (kTwoPow32 - 1.0) / *t : kTwoPow64 / *t;
}

}  // namespace minewatch::protocols
