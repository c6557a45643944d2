// A tiny JSON value and writer for generated protocol messages. Styles reproduce what real miners send:
// compact or with spaces, shuffled key order, string ids, CRLF line ends, with or without "jsonrpc".
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gen/rng.hpp"

namespace mwgen {

class Json {
 public:
  enum class Type { Null, Bool, Int, Num, Str, Arr, Obj };

  Json() = default;
  Json(std::nullptr_t) {}
  Json(bool v) : type_(Type::Bool), int_(v ? 1 : 0) {}
  Json(int v) : type_(Type::Int), int_(v) {}
  Json(long v) : type_(Type::Int), int_(v) {}
  Json(long long v) : type_(Type::Int), int_(v) {}
  Json(unsigned v) : type_(Type::Int), int_(v) {}
  Json(unsigned long v) : type_(Type::Int), int_(static_cast<std::int64_t>(v)) {}
  Json(unsigned long long v) : type_(Type::Int), int_(static_cast<std::int64_t>(v)) {}
  Json(double v) : type_(Type::Num), num_(v) {}
  Json(const char* s) : type_(Type::Str), str_(s) {}
  Json(std::string s) : type_(Type::Str), str_(std::move(s)) {}
  Json(std::string_view s) : type_(Type::Str), str_(s) {}

  static Json arr(std::initializer_list<Json> items) {
    Json j;
    j.type_ = Type::Arr;
    j.items_.assign(items.begin(), items.end());
    return j;
  }
  static Json arr(std::vector<Json> items) {
    Json j;
    j.type_ = Type::Arr;
    j.items_ = std::move(items);
    return j;
  }
  static Json obj(std::initializer_list<std::pair<std::string, Json>> members) {
    Json j;
    j.type_ = Type::Obj;
    for (const auto& m : members) {
      j.keys_.push_back(m.first);
      j.items_.push_back(m.second);
    }
    return j;
  }
  Json& set(std::string key, Json value) {
    type_ = Type::Obj;
    keys_.push_back(std::move(key));
    items_.push_back(std::move(value));
    return *this;
  }
  Json& push(Json value) {
    type_ = Type::Arr;
    items_.push_back(std::move(value));
    return *this;
  }

  Type type() const { return type_; }

  void write(std::string& out, bool spaced, Rng* shuffle) const;
  std::string dump() const {
    std::string s;
    write(s, false, nullptr);
    return s;
  }

 private:
  Type type_ = Type::Null;
  std::int64_t int_ = 0;
  double num_ = 0;
  std::string str_;
  std::vector<std::string> keys_;
  std::vector<Json> items_;
};

void json_escape(std::string& out, std::string_view s);

struct JsonStyle {
  bool spaced = false;      // a space after ':' and ','
  bool shuffle = false;     // object keys in random order
  bool string_ids = false;  // "id":"7" instead of "id":7
  bool crlf = false;        // "\r\n" line ends
  bool jsonrpc = true;      // include "jsonrpc":"2.0" where the software normally does

  static JsonStyle odd() { return {true, true, true, true, false}; }
};

// Serialises messages as newline-delimited JSON in one style.
class LineWriter {
 public:
  LineWriter(JsonStyle style, Rng& rng) : style_(style), rng_(rng) {}
  const JsonStyle& style() const { return style_; }

  Json id(std::int64_t n) const {
    if (style_.string_ids) return Json{std::to_string(n)};
    return Json{static_cast<long long>(n)};
  }
  // A request or notification; `jsonrpc` says whether this software sends the "jsonrpc" key.
  Json request(Json id_value, std::string_view method, Json params, bool jsonrpc, std::string_view ver = "2.0") const;
  Json response(Json id_value, Json result, Json error, bool jsonrpc) const;

  std::string line(const Json& j) {
    std::string s;
    j.write(s, style_.spaced, style_.shuffle ? &rng_ : nullptr);
    s += style_.crlf ? "\r\n" : "\n";
    return s;
  }

 private:
  JsonStyle style_;
  Rng& rng_;
};

}  // namespace mwgen
