#include "capture/software_fanout.hpp"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

namespace minewatch::capture {
namespace {

// A source that hands out `total` one-byte frames (byte = frame number mod 256, ts = frame number),
// in batches of up to 7, reusing one buffer as a real capture ring does; then nothing.
class ScriptedSource final : public LiveSource {
 public:
  explicit ScriptedSource(std::uint32_t total) : total_(total) {}
  std::size_t read_batch(std::span<Frame> out) override {
    std::size_t n = 0;
    for (; n < out.size() && n < buf_.size() && next_ < total_; ++n, ++next_) {
      buf_[n] = static_cast<std::uint8_t>(next_);
      out[n] = Frame{Timestamp{static_cast<std::int64_t>(next_)}, 1, 60 + next_ % 3, {&buf_[n], 1}};
    }
    if (n == 0) std::this_thread::sleep_for(std::chrono::milliseconds{1});
    return n;
  }
  LiveStats stats() override {
    LiveStats s;
    s.packets = next_;
    s.kernel_drops = 5;  // what the kernel said it dropped
    s.interface_drops = 2;
    return s;
  }
  [[nodiscard]] std::string_view method() const override { return "scripted"; }

 private:
  std::uint32_t total_, next_ = 0;
  std::array<std::uint8_t, 7> buf_{};
};

struct Seen {
  std::vector<std::int64_t> ts;
  bool bytes_match = true;
  LiveStats stats;
};

// Reads an endpoint the way a sensor worker does: until a stop was requested and it is finished.
Seen drain(LiveSource& src, const std::atomic<bool>& stop, std::size_t batch) {
  Seen seen;
  std::vector<Frame> frames(batch);
  for (;;) {
    const bool stopping = stop.load();
    const std::size_t n = src.read_batch(frames);
    if (n == 0 && stopping && src.finished()) break;
    for (std::size_t i = 0; i < n; ++i) {
      const std::int64_t k = frames[i].ts.ns;
      seen.ts.push_back(k);
      if (frames[i].data.size() != 1 || frames[i].data[0] != static_cast<std::uint8_t>(k) ||
          frames[i].wire_len != 60 + k % 3)
        seen.bytes_match = false;
    }
  }
  seen.stats = src.stats();
  return seen;
}

TEST(SoftwareFanout, DealsEveryFrameOnceInOrderAndCopiesItsBytes) {
  constexpr std::uint32_t kTotal = 20000;
  constexpr std::size_t kWorkers = 3;
  std::atomic<bool> stop{false};
  // Frame k goes to worker k % 3, except every 10th frame, which goes to worker 0.
  SoftwareFanout fanout(
      std::make_unique<ScriptedSource>(kTotal), kWorkers,
      [](const Frame& f) -> std::size_t { return f.ts.ns % 10 == 0 ? 0 : static_cast<std::size_t>(f.ts.ns % 3); },
      stop);
  std::vector<std::unique_ptr<LiveSource>> eps;
  for (std::size_t w = 0; w < kWorkers; ++w) eps.push_back(fanout.endpoint(w));
  EXPECT_EQ(eps[1]->method(), "scripted");
  std::vector<Seen> seen(kWorkers);
  std::vector<std::thread> threads;
  // Worker 2 reads 3 frames at a time: a batch spans several reads.
  for (std::size_t w = 0; w < kWorkers; ++w)
    threads.emplace_back([&, w] { seen[w] = drain(*eps[w], stop, w == 2 ? 3 : 256); });
  fanout.start();
  // Stop while frames are still being dealt: none may be lost.
  std::this_thread::sleep_for(std::chrono::milliseconds{2});
  stop.store(true);
  for (auto& t : threads) t.join();

  std::uint64_t total = 0;
  for (std::size_t w = 0; w < kWorkers; ++w) {
    EXPECT_TRUE(seen[w].bytes_match) << "worker " << w;
    for (std::size_t i = 0; i < seen[w].ts.size(); ++i) {
      const std::int64_t k = seen[w].ts[i];
      const std::size_t owner = k % 10 == 0 ? 0 : static_cast<std::size_t>(k % 3);
      ASSERT_EQ(owner, w) << "frame " << k;
      if (i > 0) {
        ASSERT_LT(seen[w].ts[i - 1], k) << "order within worker " << w;
      }
    }
    EXPECT_EQ(seen[w].stats.packets, seen[w].ts.size());
    total += seen[w].ts.size();
  }
  EXPECT_EQ(total, kTotal) << "every frame the source gave, dealt exactly once";
  // The source's drop counters are reported once, by endpoint 0.
  EXPECT_EQ(seen[0].stats.kernel_drops, 5u);
  EXPECT_EQ(seen[0].stats.interface_drops, 2u);
  EXPECT_EQ(seen[1].stats.kernel_drops + seen[2].stats.kernel_drops, 0u);
}

TEST(SoftwareFanout, ASlowWorkerMakesTheDealerWaitInsteadOfLosingFrames) {
  constexpr std::uint32_t kTotal = 7 * (SoftwareFanout::kMaxQueuedBatches + 50);
  std::atomic<bool> stop{false};
  SoftwareFanout fanout(
      std::make_unique<ScriptedSource>(kTotal), 2, [](const Frame&) -> std::size_t { return 1; }, stop);
  auto idle = fanout.endpoint(0);
  auto busy = fanout.endpoint(1);
  fanout.start();
  // Nobody reads worker 1 for a while: its queue fills and the dealer must wait, not drop.
  std::this_thread::sleep_for(std::chrono::milliseconds{50});
  stop.store(true);
  std::thread t0([&] { drain(*idle, stop, 256); });
  const Seen s = drain(*busy, stop, 256);
  t0.join();
  EXPECT_EQ(s.ts.size(), kTotal);
  EXPECT_TRUE(s.bytes_match);
}

}  // namespace
}  // namespace minewatch::capture
