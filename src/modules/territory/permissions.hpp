#pragma once
// The territory's permission rules are public (territory.hpp): other modules that shape
// nodes, such as grids, apply the same ones.
#include "modules/territory/territory.hpp"
