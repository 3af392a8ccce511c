// CompiledParts: what validating a definition compiled, handed to the Compiler so nothing is compiled twice.
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <tuple>
#include <utility>
#include <vector>

#include "asl/detail/jsonpath/choice.hpp"
#include "asl/detail/jsonpath/intrinsics.hpp"
#include "asl/detail/jsonpath/payload_template.hpp"
#include "asl/detail/jsonata_states/template.hpp"
#include "asl/json.hpp"

namespace asl::detail {

/// Pieces of one definition compiled while validating it (payload templates, Choice rules,
/// intrinsic expressions), keyed by their source node, so that the Compiler takes them instead of
/// compiling the same node a second time. Plain paths are not kept: parsing one costs about what
/// keeping and taking it costs (a Path is dear to move). A key is the node's address: it stays valid while the
/// document is moved (a moved nlohmann value hands over its members without moving them), not
/// across a copy or an edit. Fill and consume it on one document within one load.
class CompiledParts {
 public:
  template <class Part>
  void put(const Json& node, Part part) {
    Shelf<Part>& s = shelf<Part>();
    s.keys.emplace_back(&node, static_cast<std::uint32_t>(s.parts.size()));
    s.parts.push_back(std::move(part));
    s.sorted = false;
  }

  /// The part compiled from `node`, moved out (once); nullopt when there is none (compile it then).
  template <class Part>
  std::optional<Part> take(const Json& node) {
    Shelf<Part>& s = shelf<Part>();
    if (!s.sorted) {
      std::sort(s.keys.begin(), s.keys.end(), before);
      s.sorted = true;
    }
    const auto it = std::lower_bound(s.keys.begin(), s.keys.end(), Key{&node, 0}, before);
    if (it == s.keys.end() || it->first != &node || it->second == taken) return std::nullopt;
    std::optional<Part> out(std::move(s.parts[it->second]));
    it->second = taken;
    return out;
  }

 private:
  // Filled in one go, then only read: a vector sorted once by node beats a hash map, which
  // allocates per entry.
  using Key = std::pair<const Json*, std::uint32_t>;  ///< node, index into parts
  static constexpr std::uint32_t taken = 0xffffffffu;

  static bool before(const Key& a, const Key& b) {
    if (a.first != b.first) return std::less<const Json*>()(a.first, b.first);
    return a.second < b.second;  // the first put of a node wins
  }

  template <class Part>
  struct Shelf {
    std::vector<Key> keys;
    std::vector<Part> parts;
    bool sorted = true;
  };

  template <class Part>
  Shelf<Part>& shelf() {
    return std::get<Shelf<Part>>(shelves_);
  }

  std::tuple<Shelf<PayloadTemplate>, Shelf<choice::Rule>, Shelf<intrinsics::Expression>, Shelf<JsonataTemplate>>
      shelves_;
};

}  // namespace asl::detail
