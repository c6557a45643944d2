// Passive DNS: the cost of recording one answer, on a full cache (the steady state of an ISP link) and
// of the per-flow question.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

#include "intel/passive_dns.hpp"

namespace {

using namespace minewatch;

// Answers shaped like the generated ISP mix: ~600 server addresses, popular names answered again and
// again from the same addresses, and one answer in three for a fresh name (a random label in front of
// a popular one), so the cache is full and evicts on every new pair.
struct Answer {
  std::string name;
  IpAddress address;
};

std::vector<Answer> make_answers(std::size_t n) {
  static const char* const kSites[] = {
      "www.example.com",   "cdn.example.net",     "api.example.org",   "static.example.com", "mail.example.net",
      "video.example.org", "images.example.com",  "login.example.net", "news.example.org",   "updates.example.com",
      "shop.example.net",  "maps.example.org",    "docs.example.com",  "music.example.net",  "social.example.org",
      "ads.example.com",   "metrics.example.net", "files.example.org", "stream.example.com", "chat.example.net"};
  std::vector<Answer> out;
  out.reserve(n);
  std::uint64_t x = 88172645463325252ull;
  auto next = [&x] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  for (std::size_t i = 0; i < n; ++i) {
    Answer a;
    a.name = kSites[next() % 20];
    if (next() % 10 < 3) a.name = "r" + std::to_string(next() % 100'000'000) + "." + a.name;
    const std::uint8_t b[4] = {203, 0, static_cast<std::uint8_t>(next() % 3), static_cast<std::uint8_t>(next() % 200)};
    a.address = IpAddress::v4(b);
    out.push_back(std::move(a));
  }
  return out;
}

void BM_PassiveDnsRecordFullCache(benchmark::State& state) {
  const auto answers = make_answers(1 << 20);
  intel::PassiveDns pdns({.max_entries = static_cast<std::size_t>(state.range(0))});
  Timestamp now{1'700'000'000'000'000'000};
  std::size_t i = 0;
  for (const auto& a : answers) pdns.record(a.name, a.address, 300, now);  // fill: steady state
  for (auto _ : state) {
    const Answer& a = answers[i];
    pdns.record(a.name, a.address, 300, now);
    now.ns += 1000;
    i = (i + 1) & (answers.size() - 1);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_PassiveDnsRecordFullCache)->Arg(1 << 16);

void BM_PassiveDnsLookup(benchmark::State& state) {
  const auto answers = make_answers(1 << 18);
  intel::PassiveDns pdns;
  const Timestamp now{1'700'000'000'000'000'000};
  for (const auto& a : answers) pdns.record(a.name, a.address, 300, now);
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(pdns.lookup(answers[i].address, now));
    i = (i + 1) & (answers.size() - 1);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_PassiveDnsLookup);

}  // namespace
