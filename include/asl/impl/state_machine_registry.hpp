// Definitions of asl/state_machine_registry.hpp (compiled once with ASL_SEPARATE_COMPILATION).
// SPDX-License-Identifier: MIT
#pragma once

#include <random>
#include <utility>

#include <fmt/format.h>

#include "asl/detail/base/arn.hpp"
#include "asl/state_machine_registry.hpp"

namespace asl {

ASL_DECL StateMachineRegistry::StateMachineRegistry() : StateMachineRegistry(std::random_device{}()) {}

ASL_DECL StateMachineRegistry::StateMachineRegistry(std::uint64_t seed) : impl_(std::make_shared<Impl>()) {
  impl_->random = seed;
}

ASL_DECL StateMachineRegistry& StateMachineRegistry::add(std::string name, StateMachine machine) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->machines[std::move(name)].current = std::move(machine);
  return *this;
}

ASL_DECL StateMachine StateMachineRegistry::load(std::string name, std::string_view definition,
                                                 const TaskResolver& resolver, LoadOptions options) {
  options.name = name;
  StateMachine sm = StateMachine::parse(definition, resolver, options);
  add(std::move(name), sm);
  return sm;
}

ASL_DECL StateMachineRegistry::Entry& StateMachineRegistry::entry(std::string_view name) const {
  auto it = impl_->machines.find(name);
  if (it == impl_->machines.end() || !it->second.current)
    throw ResourceNotFound("State Machine Does Not Exist: '" + arn(name) + "'");
  return it->second;
}

ASL_DECL std::uint32_t StateMachineRegistry::publish(const std::string& name) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  Entry& e = entry(name);
  // The revision that already is the latest version: that version (AWS's
  // PublishStateMachineVersion is idempotent on the revision).
  if (!e.versions.empty() && e.versions.rbegin()->first == e.last_version &&
      e.versions.rbegin()->second.definition() == e.current->definition())
    return e.last_version;
  if (e.versions.size() >= 1000)
    throw Conflict("State machine '" + arn(name) + "' has 1000 versions, the maximum: delete one first");
  e.versions.emplace(++e.last_version, *e.current);
  return e.last_version;
}

ASL_DECL std::vector<std::uint32_t> StateMachineRegistry::versions(const std::string& name) const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  std::vector<std::uint32_t> out;
  for (const auto& [n, m] : entry(name).versions) out.push_back(n);
  return out;
}

ASL_DECL void StateMachineRegistry::delete_version(const std::string& name, std::uint32_t version) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  Entry& e = entry(name);
  const std::string version_arn = fmt::format("{}:{}", arn(name), version);
  if (!e.versions.count(version)) throw ResourceNotFound("Version does not exist: '" + version_arn + "'");
  std::string referencing;
  for (const auto& [alias, routes] : e.aliases)
    for (const AliasRoute& r : routes)
      if (r.version == version) referencing += (referencing.empty() ? "" : ", ") + arn(name) + ":" + alias;
  if (!referencing.empty())
    throw Conflict("Version to be deleted must not be referenced by an alias. Current list of aliases referencing "
                   "this version: [" + referencing + "]");
  e.versions.erase(version);
}

namespace detail {
/// A version qualifier is all digits; anything else names an alias.
inline bool is_version_qualifier(std::string_view s) {
  if (s.empty() || s.size() > 9) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}
}  // namespace detail

ASL_DECL void StateMachineRegistry::set_alias(const std::string& name, const std::string& alias,
                                              std::vector<AliasRoute> routes) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  Entry& e = entry(name);
  if (alias.empty() || detail::is_version_qualifier(alias))
    throw UsageError("asl::StateMachineRegistry: an alias name must not be empty or a number: '" + alias + "'");
  if (routes.empty() || routes.size() > 2)
    throw UsageError("asl::StateMachineRegistry: an alias routes to one or two versions");
  std::uint32_t total = 0;
  for (const AliasRoute& r : routes) {
    if (!e.versions.count(r.version))
      throw ResourceNotFound(fmt::format("Version does not exist: '{}:{}'", arn(name), r.version));
    if (r.weight > 100) throw UsageError("asl::StateMachineRegistry: a route's weight is 0 to 100");
    total += r.weight;
  }
  if (routes.size() == 2 && routes[0].version == routes[1].version)
    throw UsageError("asl::StateMachineRegistry: an alias's two routes must name different versions");
  if (total != 100) throw UsageError("asl::StateMachineRegistry: an alias's route weights must sum to 100");
  e.aliases[alias] = std::move(routes);
}

ASL_DECL void StateMachineRegistry::delete_alias(const std::string& name, const std::string& alias) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  if (entry(name).aliases.erase(alias) == 0)
    throw ResourceNotFound("Alias does not exist: '" + arn(name) + ":" + alias + "'");
}

ASL_DECL ResolvedStateMachine StateMachineRegistry::resolve(std::string_view name_or_arn) const {
  const std::optional<std::string_view> name = name_of(name_or_arn);
  if (!name) throw ResourceNotFound("Invalid Arn: '" + std::string(name_or_arn) + "'");
  // The qualifier: after the name in an ARN (arn:...:stateMachine:<name>:<qualifier>), after
  // the last colon of a plain name.
  std::string_view qualifier;
  std::string_view machine = *name;
  if (name_or_arn.substr(0, 4) == "arn:") {
    const std::size_t after = static_cast<std::size_t>(name->data() - name_or_arn.data()) + name->size();
    if (after < name_or_arn.size()) qualifier = name_or_arn.substr(after + 1);
  } else if (const std::size_t colon = machine.rfind(':'); colon != std::string_view::npos) {
    qualifier = machine.substr(colon + 1);
    machine = machine.substr(0, colon);
  }
  std::lock_guard<std::mutex> lock(impl_->mutex);
  Entry& e = entry(machine);
  if (qualifier.empty() || (e.versions.empty() && e.aliases.empty() && e.last_version == 0))
    return ResolvedStateMachine{*e.current, std::nullopt, std::nullopt, arn(machine)};
  const std::string qualified = arn(machine) + ":" + std::string(qualifier);
  if (detail::is_version_qualifier(qualifier)) {
    const auto version = static_cast<std::uint32_t>(std::stoul(std::string(qualifier)));
    auto it = e.versions.find(version);
    if (it == e.versions.end()) throw ResourceNotFound("Version does not exist: '" + qualified + "'");
    return ResolvedStateMachine{it->second, version, std::nullopt, qualified};
  }
  auto a = e.aliases.find(std::string(qualifier));
  if (a == e.aliases.end()) throw ResourceNotFound("Alias does not exist: '" + qualified + "'");
  const std::vector<AliasRoute>& routes = a->second;
  std::uint32_t version = routes[0].version;
  if (routes.size() == 2) {
    // AWS: "Step Functions randomly chooses which version runs a given execution based on the
    // percentage". splitmix64; a draw in [0, 100) below the first weight takes the first route.
    std::uint64_t z = (impl_->random += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    if ((z ^ (z >> 31)) % 100 >= routes[0].weight) version = routes[1].version;
  }
  return ResolvedStateMachine{e.versions.at(version), version, std::string(qualifier), qualified};
}

ASL_DECL std::optional<StateMachine> StateMachineRegistry::find(std::string_view name_or_arn) const {
  try {
    return resolve(name_or_arn).machine;
  } catch (const ResourceNotFound&) {
    return std::nullopt;
  }
}

ASL_DECL bool StateMachineRegistry::contains(std::string_view name_or_arn) const { return find(name_or_arn).has_value(); }

ASL_DECL std::string StateMachineRegistry::arn(std::string_view name) {
  return detail::state_machine_arn(name);
}

ASL_DECL std::optional<std::string_view> StateMachineRegistry::name_of(std::string_view name_or_arn) {
  constexpr std::string_view prefix = "arn:";
  if (name_or_arn.substr(0, prefix.size()) != prefix) return name_or_arn;
  // arn:<partition>:states:<region>:<account>:stateMachine:<name>[:<qualifier>]
  std::string_view parts[8];
  std::size_t n = 0, from = 0;
  while (n < 8) {
    const std::size_t colon = name_or_arn.find(':', from);
    parts[n++] = name_or_arn.substr(from, colon == std::string_view::npos ? colon : colon - from);
    if (colon == std::string_view::npos) break;
    from = colon + 1;
  }
  if (n < 7 || parts[2] != "states" || parts[5] != "stateMachine" || parts[6].empty()) return std::nullopt;
  return parts[6];
}

ASL_DECL std::string StateMachineRegistry::next_execution_name(std::string_view machine) const {
  return std::string(machine) + "-" + std::to_string(++impl_->counter);
}

}  // namespace asl
