#pragma once
// ASCII case folding for protocol text (host names, header names, identifiers). Names on the wire are
// ASCII, and folding must not depend on the process locale; it is also a table-free inline, where
// std::tolower is a library call per character (it showed in the DNS path's profile).
#include <string>
#include <string_view>

namespace minewatch {

[[nodiscard]] constexpr char lower_ascii(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

[[nodiscard]] inline std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower_ascii(c);
  return out;
}

}  // namespace minewatch
