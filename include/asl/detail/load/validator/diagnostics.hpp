// Validator diagnostics: emitting them (id, pointer, message, AWS code) and sorting them in document order.
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "asl/detail/load/validator.hpp"

namespace asl::detail::validator_impl {

/// Sort keys that put JSON Pointers in document order: the position of every token of a pointer
/// inside the document (index of the key in its object, or the array index); missing tokens sort
/// last. Key indexes of large objects are cached, so ordering many diagnostics about one big
/// "States" object stays linear.
class DocumentOrder {
 public:
  explicit DocumentOrder(const Json& root) : root_(root) {}

  std::vector<std::uint32_t> position(std::string_view pointer) {
    constexpr auto missing = std::numeric_limits<std::uint32_t>::max();
    std::vector<std::uint32_t> pos;
    const Json* node = &root_;
    std::size_t i = 0;
    while (i < pointer.size() && pointer[i] == '/') {
      const std::size_t end = std::min(pointer.find('/', i + 1), pointer.size());
      std::string token;
      for (std::size_t k = i + 1; k < end; ++k) {
        if (pointer[k] == '~' && k + 1 < end) {
          token += pointer[k + 1] == '1' ? '/' : '~';
          ++k;
        } else {
          token += pointer[k];
        }
      }
      i = end;
      std::uint32_t index = missing;
      if (node && node->is_object()) {
        const auto& keys = key_index(*node);
        if (const auto it = keys.find(token); it != keys.end()) index = it->second;
      } else if (node && node->is_array() && !token.empty() && token.size() < 10 &&
                 token.find_first_not_of("0123456789") == std::string::npos) {
        const auto n = static_cast<std::uint32_t>(std::stoul(token));
        if (n < node->size()) index = n;
      }
      pos.push_back(index);
      if (index == missing) {
        node = nullptr;
      } else if (node->is_object()) {
        node = &object_member(*node, index);
      } else {
        node = &(*node)[index];
      }
    }
    return pos;
  }

 private:
  const std::unordered_map<std::string, std::uint32_t>& key_index(const Json& object) {
    auto [it, inserted] = cache_.try_emplace(&object);
    if (inserted) {
      std::uint32_t n = 0;
      for (auto m = object.begin(); m != object.end(); ++m) it->second.emplace(m.key(), n++);
    }
    return it->second;
  }

  static const Json& object_member(const Json& object, std::uint32_t index) {
    // ordered_json keeps members in a vector: the index addresses it directly.
    return static_cast<const Json::object_t::Container&>(object.get_ref<const Json::object_t&>())[index].second;
  }

  const Json& root_;
  std::unordered_map<const Json*, std::unordered_map<std::string, std::uint32_t>> cache_;
};

inline void Validator::emit(std::string_view id, std::string pointer, std::string message, std::string_view aws_code) {
  out_.push_back(
      Diagnostic{"asl.definition." + std::string(id), std::move(pointer), std::move(message), std::string(aws_code)});
}

inline void Validator::emit(std::string_view id, const Where& at, std::string message, std::string_view aws_code) {
  emit(id, at.str(), std::move(message), aws_code);
}

inline void Validator::wrong_type(const Where& pointer, std::string_view name, std::string_view expected,
                                  const Json& v) {
  emit("203", pointer, fmt::format("\"{}\" must be {}, got {}", name, expected, describe(v)), schema);
}

inline void Validator::sort_in_document_order() {
  std::vector<std::pair<std::vector<std::uint32_t>, std::size_t>> keys;
  keys.reserve(out_.size());
  DocumentOrder order(doc_);
  for (std::size_t i = 0; i < out_.size(); ++i) keys.emplace_back(order.position(out_[i].pointer), i);
  std::stable_sort(keys.begin(), keys.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<Diagnostic> sorted;
  sorted.reserve(out_.size());
  for (auto& k : keys) sorted.push_back(std::move(out_[k.second]));
  out_ = std::move(sorted);
}

}  // namespace asl::detail::validator_impl
