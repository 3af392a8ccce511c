// Separate compilation example: the pipeline's interface, shared by the service's files.
#pragma once

#include <asl/asl.hpp>

namespace service {

/// The training pipeline: Train (typed handler, retried) -> Gate -> Deploy | Reject.
asl::StateMachine training_pipeline();

}  // namespace service
