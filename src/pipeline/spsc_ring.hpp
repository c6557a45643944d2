#pragma once
// A bounded single-producer single-consumer ring, lock-free on the fast path. The producer claims
// slots and writes them in place, then publishes several at once; the consumer reads a contiguous run
// in place and releases it. Each side caches the other's index so a steady stream touches the shared
// cache lines once per batch, not once per item. When a side must wait (ring full / empty) it sleeps
// on the other's index (futex through std::atomic::wait) instead of spinning: the pipeline runs more
// threads than the laptop has cores.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <span>
#include <thread>

#include "core/prefetch.hpp"

namespace minewatch::pipeline {

template <typename T>
class SpscRing {
 public:
  explicit SpscRing(std::size_t capacity_pow2) : mask_(capacity_pow2 - 1), slots_(new T[capacity_pow2]) {}
  SpscRing(const SpscRing&) = delete;
  SpscRing& operator=(const SpscRing&) = delete;

  [[nodiscard]] std::size_t capacity() const { return mask_ + 1; }
  // Time each side spent waiting: the producer on a full ring, the consumer on an empty one. Each is
  // written only by its own side; read them after both sides have stopped.
  [[nodiscard]] double producer_wait_seconds() const { return static_cast<double>(producer_wait_ns_) / 1e9; }
  [[nodiscard]] double consumer_wait_seconds() const { return static_cast<double>(consumer_wait_ns_) / 1e9; }

  // Producer: a free slot to fill, waiting while the ring is full. The slot is not visible to the
  // consumer until publish().
  T& claim() {
    if (claimed_ - head_cache_ > mask_) {
      head_cache_ = head_.load(std::memory_order_acquire);
      if (claimed_ - head_cache_ > mask_) {
        publish();  // the consumer may be waiting for what we already claimed
        producer_wait_ns_ +=
            wait_until([&] { return claimed_ - (head_cache_ = head_.load(std::memory_order_acquire)) <= mask_; },
                       producer_waiting_, head_);
      }
    }
    // Fetch a slot a few ahead for writing: the consumer read it a whole ring ago, so its lines sit in
    // the other core's cache or in memory.
    prefetch_range(&slots_[(claimed_ + kWriteAhead) & mask_], sizeof(T));
    return slots_[claimed_++ & mask_];
  }
  // Producer: whether `n` more slots can be claimed now without waiting for the consumer.
  [[nodiscard]] bool can_claim(std::size_t n) {
    if (claimed_ + n - head_cache_ > capacity()) head_cache_ = head_.load(std::memory_order_acquire);
    return claimed_ + n - head_cache_ <= capacity();
  }
  // Producer: makes every claimed slot visible.
  void publish() {
    if (claimed_ == tail_.load(std::memory_order_relaxed)) return;
    tail_.store(claimed_, std::memory_order_seq_cst);
    if (consumer_waiting_.load(std::memory_order_seq_cst)) tail_.notify_one();
  }

  // Consumer: the next readable contiguous run (up to `max` items), waiting while the ring is empty.
  std::span<T> wait_readable(std::size_t max) {
    if (tail_cache_ - read_ < max) {
      tail_cache_ = tail_.load(std::memory_order_acquire);
      if (tail_cache_ == read_)
        consumer_wait_ns_ += wait_until([&] { return (tail_cache_ = tail_.load(std::memory_order_acquire)) != read_; },
                                        consumer_waiting_, tail_);
    }
    std::size_t avail = tail_cache_ - read_;
    std::size_t to_wrap = capacity() - (read_ & mask_);
    std::size_t n = std::min({avail, to_wrap, max});
    return {&slots_[read_ & mask_], n};
  }
  // Consumer: frees the first n items of the last readable run.
  void release(std::size_t n) {
    read_ += n;
    head_.store(read_, std::memory_order_seq_cst);
    if (producer_waiting_.load(std::memory_order_seq_cst)) head_.notify_one();
  }

 private:
  // Spins briefly (the other side is usually mid-batch), then sleeps on `index` until `ready()`.
  // Returns how long it waited, in nanoseconds (the clock is read only here, off the fast path).
  template <typename Ready>
  static std::uint64_t wait_until(Ready ready, std::atomic<bool>& waiting, std::atomic<std::uint64_t>& index) {
    const auto start = std::chrono::steady_clock::now();
    auto waited = [&] {
      return static_cast<std::uint64_t>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start).count());
    };
    for (int i = 0; i < 64; ++i) {
      if (ready()) return waited();
      std::this_thread::yield();
    }
    for (;;) {
      std::uint64_t seen = index.load(std::memory_order_seq_cst);
      waiting.store(true, std::memory_order_seq_cst);
      if (ready()) break;
      index.wait(seen, std::memory_order_seq_cst);
      waiting.store(false, std::memory_order_seq_cst);
      if (ready()) return waited();
    }
    waiting.store(false, std::memory_order_seq_cst);
    return waited();
  }

  static constexpr std::size_t kLine = 64;
  static constexpr std::uint64_t kWriteAhead = 16;
  const std::size_t mask_;
  std::unique_ptr<T[]> slots_;
  // Producer side.
  alignas(kLine) std::uint64_t claimed_ = 0;
  std::uint64_t head_cache_ = 0;
  std::uint64_t producer_wait_ns_ = 0;
  alignas(kLine) std::atomic<std::uint64_t> tail_{0};
  std::atomic<bool> consumer_waiting_{false};
  // Consumer side.
  alignas(kLine) std::uint64_t read_ = 0;
  std::uint64_t tail_cache_ = 0;
  std::uint64_t consumer_wait_ns_ = 0;
  alignas(kLine) std::atomic<std::uint64_t> head_{0};
  std::atomic<bool> producer_waiting_{false};
};

}  // namespace minewatch::pipeline
