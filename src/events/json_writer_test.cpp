#include "events/json_writer.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace minewatch::events {
namespace {

std::string str(const fmt::memory_buffer& b) { return {b.data(), b.size()}; }

TEST(JsonWriter, WritesNestedObjectsAndArraysWithCommas) {
  fmt::memory_buffer b;
  JsonWriter w(b);
  w.begin_object().field("a", 1).key("o").begin_object().field("x", "y").end_object();
  w.key("l").begin_array().value(1).value(2).end_array().field("t", true).end_object();
  EXPECT_EQ(str(b), R"({"a":1,"o":{"x":"y"},"l":[1,2],"t":true})");
}

TEST(JsonWriter, EscapesControlBytesQuotesAndInvalidUtf8) {
  fmt::memory_buffer b;
  append_json_string(b, std::string_view("a\"b\\c\n\x01\xff\xc3\xa9", 10));
  EXPECT_EQ(str(b), "\"a\\\"b\\\\c\\n\\u0001\\ufffd\xc3\xa9\"");
}

TEST(JsonWriter, OmitsEmptyOptionalFields) {
  fmt::memory_buffer b;
  JsonWriter w(b);
  w.begin_object().field_if("gone", "").field_if("kept", "v").end_object();
  EXPECT_EQ(str(b), R"({"kept":"v"})");
}

TEST(JsonWriter, WritesNonFiniteNumbersAsNull) {
  fmt::memory_buffer b;
  JsonWriter w(b);
  w.begin_object().field("n", std::numeric_limits<double>::infinity()).end_object();
  EXPECT_EQ(str(b), R"({"n":null})");
}

}  // namespace
}  // namespace minewatch::events
