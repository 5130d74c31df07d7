// The visibility rule itself lives in Principal::can_see_event (core/principal.cpp) so the
// live hub (http/) and replay apply the same check; see permissions.hpp.
#include "modules/events/permissions.hpp"
