// Separate compilation example: the one file of the program that compiles asl's definitions.
#include <asl/impl.hpp>
