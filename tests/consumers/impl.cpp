// The separate-compilation consumer's one file that compiles asl (asl/impl.hpp).
#include <asl/impl.hpp>
