#include "flow/tcp_reassembler.hpp"

#include <gtest/gtest.h>

#include <string>

namespace minewatch::flow {
namespace {

struct Collect final : StreamSink {
  std::string data;
  int gaps = 0;
  void on_stream_data(std::span<const std::uint8_t> b) override { data.append(b.begin(), b.end()); }
  void on_stream_gap(std::uint32_t) override {
    ++gaps;
    data += '|';
  }
};

std::span<const std::uint8_t> bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

TEST(TcpReassembler, DeliversInOrderSegmentsImmediately) {
  TcpReassembler r;
  Collect c;
  AnomalyCounters a;
  r.on_syn(1000);
  r.on_segment(1001, bytes("hello "), c, a);
  r.on_segment(1007, bytes("world"), c, a);
  EXPECT_EQ(c.data, "hello world");
  EXPECT_EQ(r.pending_bytes(), 0u);
}

TEST(TcpReassembler, ReordersSwappedSegments) {
  TcpReassembler r;
  Collect c;
  AnomalyCounters a;
  r.on_syn(0);
  r.on_segment(7, bytes("world"), c, a);
  EXPECT_EQ(c.data, "");
  r.on_segment(1, bytes("hello "), c, a);
  EXPECT_EQ(c.data, "hello world");
}

TEST(TcpReassembler, DropsRetransmissionsAndKeepsNewTailOfOverlap) {
  TcpReassembler r;
  Collect c;
  AnomalyCounters a;
  r.on_syn(0);
  r.on_segment(1, bytes("abcdef"), c, a);
  r.on_segment(1, bytes("abcdef"), c, a);  // full retransmission
  r.on_segment(4, bytes("defghi"), c, a);  // overlaps the delivered tail
  EXPECT_EQ(c.data, "abcdefghi");
}

TEST(TcpReassembler, FirstReceivedBytesWinOnConflictingOverlapAndCountIt) {
  TcpReassembler r;
  Collect c;
  AnomalyCounters a;
  r.on_syn(0);
  r.on_segment(5, bytes("EFGH"), c, a);
  r.on_segment(7, bytes("XXij"), c, a);  // conflicts with "GH" which is pending
  r.on_segment(1, bytes("abcd"), c, a);
  EXPECT_EQ(c.data, "abcdEFGHij");
  EXPECT_EQ(a.get(Anomaly::ReassemblyOverlapConflict), 1u);
}

TEST(TcpReassembler, StartsAtFirstDataWhenHandshakeWasNotCaptured) {
  TcpReassembler r;
  Collect c;
  AnomalyCounters a;
  r.on_segment(123456, bytes("mid"), c, a);
  r.on_segment(123459, bytes("stream"), c, a);
  EXPECT_EQ(c.data, "midstream");
}

TEST(TcpReassembler, HandlesSequenceWraparound) {
  TcpReassembler r;
  Collect c;
  AnomalyCounters a;
  r.on_syn(0xFFFFFFFDu);
  r.on_segment(0x00000002u, bytes("cd"), c, a);  // after the wrap, arrives first
  r.on_segment(0xFFFFFFFEu, bytes("abXY"), c, a);
  EXPECT_EQ(c.data, "abXYcd");
}

TEST(TcpReassembler, GivesUpAHoleWhenPendingBytesExceedTheCap) {
  TcpReassembler r(8);
  Collect c;
  AnomalyCounters a;
  r.on_syn(0);
  r.on_segment(1, bytes("ab"), c, a);
  r.on_segment(10, bytes("0123456789"), c, a);  // hole of 7 bytes, 10 pending > cap
  EXPECT_EQ(c.data, "ab|0123456789");
  EXPECT_EQ(c.gaps, 1);
  EXPECT_EQ(a.get(Anomaly::ReassemblyGap), 1u);
}

TEST(TcpReassembler, FlushAnnouncesHolesBeforePendingData) {
  TcpReassembler r;
  Collect c;
  AnomalyCounters a;
  r.on_syn(0);
  r.on_segment(1, bytes("a"), c, a);
  r.on_segment(5, bytes("e"), c, a);
  r.on_segment(9, bytes("i"), c, a);
  r.flush(c, a);
  EXPECT_EQ(c.data, "a|e|i");
  EXPECT_EQ(r.pending_bytes(), 0u);
}

TEST(TcpReassembler, IgnoresSynRetransmittedAfterData) {
  TcpReassembler r;
  Collect c;
  AnomalyCounters a;
  r.on_syn(100);
  r.on_segment(101, bytes("x"), c, a);
  r.on_syn(100);
  r.on_segment(102, bytes("y"), c, a);
  EXPECT_EQ(c.data, "xy");
}

}  // namespace
}  // namespace minewatch::flow
