#pragma once
// A progress bar on stderr when stderr is a terminal; silent otherwise (pipes, CI, files).
#include <chrono>
#include <cstdint>
#include <string>

namespace minewatch::app {

class Progress {
 public:
  explicit Progress(bool enabled) : enabled_(enabled) {}
  void start(std::string label, std::uint64_t total_bytes);
  // Cheap to call often: redraws at most ~10 times a second.
  void update(std::uint64_t done_bytes, std::uint64_t packets);
  void done();

 private:
  bool enabled_;
  std::string label_;
  std::uint64_t total_ = 0;
  std::uint64_t packets_ = 0;
  std::chrono::steady_clock::time_point started_{}, last_draw_{};
  bool drawn_ = false;
};

}  // namespace minewatch::app
