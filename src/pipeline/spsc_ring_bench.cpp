// The reader -> worker hand-off: items of the parallel pipeline's size through one SPSC ring between
// two threads, published and released in batches as the pipeline does.
#include <benchmark/benchmark.h>

#include <thread>

#include "decode/packet_view.hpp"
#include "detect/engine.hpp"
#include "pipeline/spsc_ring.hpp"

namespace {

using namespace minewatch;

struct Item {  // the shape of a pipeline work item
  std::uint8_t kind;
  detect::PacketMeta meta;
  decode::PacketView pkt;
};

void BM_SpscRingHandOff(benchmark::State& state) {
  constexpr std::size_t kBatch = 256;
  pipeline::SpscRing<Item> ring(1 << 12);
  std::uint64_t items = 0;
  std::atomic<bool> done{false};
  std::thread consumer([&] {
    std::uint64_t sum = 0;
    for (;;) {
      auto run = ring.wait_readable(256);
      bool end = false;
      for (auto& it : run) {
        sum += it.meta.index;
        end |= it.kind == 1;
      }
      ring.release(run.size());
      if (end) break;
    }
    benchmark::DoNotOptimize(sum);
    done = true;
  });
  for (auto _ : state) {
    for (std::size_t i = 0; i < kBatch; ++i) {
      Item& it = ring.claim();
      it.kind = 0;
      it.meta.index = items++;
    }
    ring.publish();
  }
  ring.claim().kind = 1;
  ring.publish();
  consumer.join();
  state.SetItemsProcessed(static_cast<std::int64_t>(items));
}
BENCHMARK(BM_SpscRingHandOff)->UseRealTime();

}  // namespace
