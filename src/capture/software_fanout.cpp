#include "capture/software_fanout.hpp"

#include <array>
#include <chrono>
#include <cstring>
#include <string_view>

namespace minewatch::capture {

class SoftwareFanout::Endpoint final : public LiveSource {
 public:
  Endpoint(SoftwareFanout& fanout, std::size_t index, std::string_view method)
      : fanout_(fanout), index_(index), queue_(*fanout.queues_[index]), method_(method) {}

  std::size_t read_batch(std::span<Frame> out) override {
    if (next_ == current_.frames.size()) {
      std::unique_lock lock(queue_.mu);
      queue_.readable.wait_for(lock, fanout_.poll_, [&] { return !queue_.batches.empty() || queue_.finished; });
      if (queue_.batches.empty()) return 0;
      current_ = std::move(queue_.batches.front());
      queue_.batches.pop_front();
      next_ = 0;
      lock.unlock();
      queue_.writable.notify_one();
    }
    std::size_t n = 0;
    for (; n < out.size() && next_ < current_.frames.size(); ++n, ++next_) {
      const Batch::Ref& r = current_.frames[next_];
      out[n] = Frame{r.ts, r.link_type, r.wire_len, {current_.bytes.data() + r.offset, r.size}};
    }
    handed_ += n;
    return n;
  }

  LiveStats stats() override {
    LiveStats s;
    if (index_ == 0) {
      std::lock_guard lock(fanout_.stats_mu_);
      s = fanout_.final_source_stats_;
    }
    s.packets = handed_;
    return s;
  }

  bool finished() override {
    std::lock_guard lock(queue_.mu);
    return queue_.finished && queue_.batches.empty() && next_ == current_.frames.size();
  }

  [[nodiscard]] std::string_view method() const override { return method_; }

 private:
  SoftwareFanout& fanout_;
  std::size_t index_;
  Queue& queue_;
  std::string_view method_;
  Batch current_;
  std::size_t next_ = 0;
  std::uint64_t handed_ = 0;
};

SoftwareFanout::SoftwareFanout(std::unique_ptr<LiveSource> source, std::size_t workers,
                               std::function<std::size_t(const Frame&)> deal, const std::atomic<bool>& stop,
                               std::chrono::milliseconds poll)
    : source_(std::move(source)), deal_(std::move(deal)), stop_(stop), poll_(poll) {
  for (std::size_t w = 0; w < std::max<std::size_t>(1, workers); ++w) queues_.push_back(std::make_unique<Queue>());
}

SoftwareFanout::~SoftwareFanout() {
  if (dealer_.joinable()) dealer_.join();
}

std::unique_ptr<LiveSource> SoftwareFanout::endpoint(std::size_t w) {
  return std::make_unique<Endpoint>(*this, w, source_->method());
}

void SoftwareFanout::start() {
  dealer_ = std::thread([this] { run(); });
}

void SoftwareFanout::run() {
  const std::size_t workers = queues_.size();
  std::array<Frame, 256> frames;
  std::vector<Batch> pending(workers);
  for (;;) {
    const bool stopping = stop_.load(std::memory_order_relaxed);
    const std::size_t n = source_->read_batch(frames);
    if (n == 0) {
      if (stopping) break;
      continue;
    }
    for (std::size_t i = 0; i < n; ++i) {
      const Frame& f = frames[i];
      Batch& b = pending[deal_(f) % workers];
      b.frames.push_back(Batch::Ref{f.ts, f.link_type, f.wire_len, b.bytes.size(), f.data.size()});
      b.bytes.insert(b.bytes.end(), f.data.begin(), f.data.end());
    }
    for (std::size_t w = 0; w < workers; ++w) {
      if (pending[w].frames.empty()) continue;
      Queue& q = *queues_[w];
      {
        std::unique_lock lock(q.mu);
        q.writable.wait(lock, [&] { return q.batches.size() < kMaxQueuedBatches; });
        q.batches.push_back(std::move(pending[w]));
      }
      q.readable.notify_one();
      pending[w] = Batch{};
    }
  }
  {
    std::lock_guard lock(stats_mu_);
    final_source_stats_ = source_->stats();
  }
  for (auto& q : queues_) {
    {
      std::lock_guard lock(q->mu);
      q->finished = true;
    }
    q->readable.notify_all();
  }
}

}  // namespace minewatch::capture
