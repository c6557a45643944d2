#include "app/progress.hpp"

#include <fmt/format.h>

#include <cstdio>

namespace minewatch::app {

void Progress::start(std::string label, std::uint64_t total_bytes) {
  label_ = std::move(label);
  if (label_.size() > 32) label_ = "..." + label_.substr(label_.size() - 29);
  total_ = total_bytes;
  packets_ = 0;
  started_ = last_draw_ = std::chrono::steady_clock::now();
  drawn_ = false;
}

void Progress::update(std::uint64_t done_bytes, std::uint64_t packets) {
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  packets_ = packets;
  double secs = std::chrono::duration<double>(now - started_).count();
  double frac = total_ ? static_cast<double>(done_bytes) / static_cast<double>(total_) : 0.0;
  if (frac > 1) frac = 1;
  constexpr int kWidth = 30;
  int filled = static_cast<int>(frac * kWidth);
  std::string bar(static_cast<std::size_t>(filled), '=');
  bar.resize(kWidth, ' ');
  double mpps = secs > 0 ? static_cast<double>(packets) / secs / 1e6 : 0;
  fmt::print(stderr, "\r{:<32} [{}] {:5.1f}%  {:6.2f} Mpps", label_, bar, frac * 100, mpps);
  std::fflush(stderr);
  drawn_ = true;
}

void Progress::done() {
  if (!enabled_ || !drawn_) return;
  fmt::print(stderr, "\r{:<80}\r", "");
  std::fflush(stderr);
}

}  // namespace minewatch::app
