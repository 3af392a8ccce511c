// The ARNs asl gives local state machines: AWS's shape, with one fixed region and account.
// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <string_view>

namespace asl::detail {

/// Every ARN asl makes starts here (`$$`, history events, the registry, Map Runs): one region
/// and account, so an ARN written in a definition for AWS's us-east-1 sample account matches.
inline constexpr std::string_view local_arn_prefix = "arn:aws:states:us-east-1:123456789012:";

/// `arn:aws:states:us-east-1:123456789012:stateMachine:<name>`.
inline std::string state_machine_arn(std::string_view name) {
  std::string arn(local_arn_prefix);
  arn += "stateMachine:";
  arn += name;
  return arn;
}

/// `arn:aws:states:us-east-1:123456789012:execution:<rest>`, where `rest` is AWS's
/// `<machine>:<name>` (or just the name where the machine is not known).
inline std::string execution_arn(std::string_view rest) {
  std::string arn(local_arn_prefix);
  arn += "execution:";
  arn += rest;
  return arn;
}

}  // namespace asl::detail
