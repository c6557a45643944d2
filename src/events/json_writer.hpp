#pragma once
// A small streaming JSON object writer over fmt::memory_buffer: keys in the order written,
// strings escaped (control bytes as \u00XX, invalid UTF-8 replaced by U+FFFD).
#include <fmt/format.h>

#include <cstdint>
#include <string_view>

namespace minewatch::events {

void append_json_string(fmt::memory_buffer& out, std::string_view s);

class JsonWriter {
 public:
  explicit JsonWriter(fmt::memory_buffer& out) : out_(out) {}

  JsonWriter& begin_object() { return open('{'); }
  JsonWriter& end_object() { return close('}'); }
  JsonWriter& begin_array() { return open('['); }
  JsonWriter& end_array() { return close(']'); }
  JsonWriter& key(std::string_view k) {
    comma();
    append_json_string(out_, k);
    out_.push_back(':');
    after_key_ = true;
    return *this;
  }
  JsonWriter& value(std::string_view s) {
    comma();
    append_json_string(out_, s);
    return *this;
  }
  JsonWriter& value(const char* s) { return value(std::string_view{s}); }
  JsonWriter& value(std::uint64_t v) {
    comma();
    fmt::format_to(std::back_inserter(out_), "{}", v);
    return *this;
  }
  JsonWriter& value(std::int64_t v) {
    comma();
    fmt::format_to(std::back_inserter(out_), "{}", v);
    return *this;
  }
  JsonWriter& value(std::uint32_t v) { return value(std::uint64_t{v}); }
  JsonWriter& value(int v) { return value(std::int64_t{v}); }
  JsonWriter& value(double v);
  JsonWriter& value(bool b) {
    comma();
    fmt::format_to(std::back_inserter(out_), "{}", b ? "true" : "false");
    return *this;
  }
  template <typename T>
  JsonWriter& field(std::string_view k, T v) {
    key(k);
    return value(v);
  }
  // Writes the field only when the string is non-empty (unknown values are omitted, not invented).
  JsonWriter& field_if(std::string_view k, std::string_view v) {
    if (!v.empty()) field(k, v);
    return *this;
  }

 private:
  JsonWriter& open(char c) {
    comma();
    out_.push_back(c);
    first_ = true;
    return *this;
  }
  JsonWriter& close(char c) {
    out_.push_back(c);
    first_ = false;
    return *this;
  }
  void comma() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (!first_) out_.push_back(',');
    first_ = false;
  }

  fmt::memory_buffer& out_;
  bool first_ = true;
  bool after_key_ = false;
};

}  // namespace minewatch::events
