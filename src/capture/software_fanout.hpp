#pragma once
// Fanout in user space, for capture methods the kernel cannot fan out (libpcap): one dealer thread
// reads the source, asks `deal(frame)` which worker owns each frame, copies the frame into that
// worker's queue, and each worker reads its own queue through an ordinary LiveSource. Frames keep
// their order within each worker. A full queue makes the dealer wait, so overload ends up where it is
// counted: in the source's buffer, as kernel drops.
//
// Stopping: once `stop` is set, the dealer reads the source until it has nothing more (those frames
// were captured and count as received), deals them, and marks every endpoint finished; an endpoint
// reports finished() only after its queue is empty as well.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "capture/af_packet_source.hpp"

namespace minewatch::capture {

class SoftwareFanout {
 public:
  // `deal` returns a worker index (taken modulo `workers`). `stop` outlives the fanout. An endpoint's
  // read_batch() returns 0 after `poll` without frames, as a capture source does after its poll timeout.
  SoftwareFanout(std::unique_ptr<LiveSource> source, std::size_t workers, std::function<std::size_t(const Frame&)> deal,
                 const std::atomic<bool>& stop, std::chrono::milliseconds poll = std::chrono::milliseconds{100});
  ~SoftwareFanout();
  SoftwareFanout(const SoftwareFanout&) = delete;
  SoftwareFanout& operator=(const SoftwareFanout&) = delete;

  // Worker w's source. Its stats(): the frames dealt to it; endpoint 0 also carries the source's drop
  // counters, so the endpoints' counters add up to the capture's. Valid while the fanout lives.
  [[nodiscard]] std::unique_ptr<LiveSource> endpoint(std::size_t w);
  // Starts the dealer thread (once every endpoint has been taken).
  void start();

  // Batches queued per worker before the dealer waits.
  static constexpr std::size_t kMaxQueuedBatches = 256;

 private:
  struct Batch {
    std::vector<std::uint8_t> bytes;
    struct Ref {
      Timestamp ts;
      std::uint32_t link_type, wire_len;
      std::size_t offset, size;
    };
    std::vector<Ref> frames;
  };
  struct Queue {
    std::mutex mu;
    std::condition_variable readable, writable;
    std::deque<Batch> batches;
    bool finished = false;
  };
  class Endpoint;
  void run();

  std::unique_ptr<LiveSource> source_;
  std::function<std::size_t(const Frame&)> deal_;
  const std::atomic<bool>& stop_;
  std::chrono::milliseconds poll_;
  std::vector<std::unique_ptr<Queue>> queues_;
  std::mutex stats_mu_;
  LiveStats final_source_stats_;  // read by the dealer when it stops
  std::thread dealer_;
};

}  // namespace minewatch::capture
