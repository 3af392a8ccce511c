// The engine tests build with ASL_SEPARATE_COMPILATION (tests/CMakeLists.txt): asl's definitions are compiled here, once.
#include <asl/impl.hpp>
