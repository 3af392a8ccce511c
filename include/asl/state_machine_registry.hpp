// StateMachineRegistry: named local state machines, found by name or ARN (what nested
// `states:startExecution` tasks start), with numbered versions and weighted aliases as AWS
// publishes them (UpdateStateMachine, PublishStateMachineVersion, CreateStateMachineAlias).
// SPDX-License-Identifier: MIT
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "asl/detail/base/config.hpp"
#include "asl/error.hpp"
#include "asl/load_options.hpp"
#include "asl/state_machine.hpp"
#include "asl/task_resolver.hpp"

namespace asl {

/// One route of an alias: a version and its share of the starts (0-100).
struct AliasRoute {
  std::uint32_t version = 0;
  std::uint32_t weight = 100;
};

/// What a name or ARN resolved to: the machine to start, and which version and alias chose it.
struct ResolvedStateMachine {
  StateMachine machine;
  std::optional<std::uint32_t> version;  ///< unset for an unqualified name (the current revision)
  std::optional<std::string> alias;
  std::string arn;  ///< AWS's ARN of what was named: `...:stateMachine:name`, `...:name:3`, `...:name:prod`
};

/// Named local state machines that `states:startExecution` tasks can start, found by name or by
/// ARN, with AWS's versions and aliases. A copyable handle: copies share one table, so handlers
/// that captured it see machines added (or replaced) later. Thread-safe.
/// - add() / load() set a machine's current revision (AWS UpdateStateMachine); an unqualified
///   name or ARN starts that revision.
/// - publish() makes the current revision version 1, 2, ...: numbers only go up and are never
///   reused, even after delete_version(); publishing the revision that already is the latest
///   version returns that version (AWS: idempotent on the revision). At most 1,000 per machine.
/// - set_alias() routes starts to one or two versions by weight (summing to 100), drawn at random
///   per start; a version an alias routes to cannot be deleted (asl::Conflict).
/// An execution keeps the definition it started with: a later add(), publish() or alias change
/// does not touch it, and with a journal (EngineOptions::journal) neither do restarts and
/// redrives (the journal holds its text). The table lives in memory: a host that wants the same
/// numbers after a restart publishes the same revisions in the same order at start-up.
/// @code
/// asl::StateMachineRegistry machines;
/// machines.add("ModelEvaluation", evaluation_sm);
/// machines.publish("ModelEvaluation");                                   // version 1
/// machines.set_alias("ModelEvaluation", "prod", {{1, 100}});
/// machines.find("arn:aws:states:us-east-1:123456789012:stateMachine:ModelEvaluation:prod");  // v1
/// @endcode
class StateMachineRegistry {
 public:
  StateMachineRegistry();
  /// Alias routing draws from a generator seeded with `seed` (reproducible tests).
  explicit StateMachineRegistry(std::uint64_t seed);

  /// Sets `machine` as `name`'s current revision (a new name, or a replacement). Executions
  /// already running keep the machine they started on; only new starts see it. Load the machine
  /// with `LoadOptions::name = name` so that the child's `$$.StateMachine` and
  /// `$$.Execution.Id` name it as the ARNs returned here do (see load()).
  StateMachineRegistry& add(std::string name, StateMachine machine);

  /// Parses `definition` with the machine named `name` and adds it. Throws as StateMachine::parse.
  StateMachine load(std::string name, std::string_view definition, const TaskResolver& resolver,
                    LoadOptions options = {});

  /// Publishes `name`'s current revision as its next version, and returns the version number.
  /// @throws ResourceNotFound for an unknown name; Conflict at 1,000 versions.
  std::uint32_t publish(const std::string& name);
  /// The versions of `name` that exist, ascending.
  std::vector<std::uint32_t> versions(const std::string& name) const;
  /// @throws ResourceNotFound; Conflict while an alias routes to it (AWS's message).
  void delete_version(const std::string& name, std::uint32_t version);
  /// Creates or changes an alias: one or two routes to existing versions, weights summing to 100.
  /// @throws ResourceNotFound for a missing version; UsageError for a bad routing or a name
  /// that is empty or a number (a number names a version).
  void set_alias(const std::string& name, const std::string& alias, std::vector<AliasRoute> routes);
  void delete_alias(const std::string& name, const std::string& alias);

  /// By name or ARN, `name`, `name:3` or `name:prod` (ARN:
  /// `arn:aws:states:<region>:<account>:stateMachine:<name>[:<version|alias>]`; any region and
  /// account match, so a definition written for a real AWS account runs locally as is). A machine
  /// that has never been published has no versions or aliases: a qualifier then selects its
  /// current revision, as before versions existed. @throws ResourceNotFound with AWS's texts.
  ResolvedStateMachine resolve(std::string_view name_or_arn) const;
  /// resolve(), or nothing when it does not exist.
  std::optional<StateMachine> find(std::string_view name_or_arn) const;
  bool contains(std::string_view name_or_arn) const;

  /// `arn:aws:states:us-east-1:123456789012:stateMachine:<name>`: the local region and account,
  /// the same ones the engine uses for `$$.StateMachine.Id`.
  static std::string arn(std::string_view name);

  /// The machine name a name or ARN refers to; nullopt for an ARN of another resource type.
  static std::optional<std::string_view> name_of(std::string_view name_or_arn);

  /// A fresh execution name for a child started without `Name` (unique per registry).
  std::string next_execution_name(std::string_view machine) const;

 private:
  struct Entry {
    std::optional<StateMachine> current;
    std::map<std::uint32_t, StateMachine> versions;
    std::uint32_t last_version = 0;  ///< the highest number ever published (never reused)
    std::map<std::string, std::vector<AliasRoute>> aliases;
  };
  struct Impl {
    std::mutex mutex;
    std::map<std::string, Entry, std::less<>> machines;
    std::atomic<std::uint64_t> counter{0};
    std::uint64_t random = 0;  ///< splitmix64 state of the alias draws (mutex)
  };
  Entry& entry(std::string_view name) const;  ///< under the mutex; throws ResourceNotFound
  std::shared_ptr<Impl> impl_;
};

}  // namespace asl

#if !defined(ASL_SEPARATE_COMPILATION)
#include "asl/impl/state_machine_registry.hpp"
#endif
