// Its generated file is committed beside it (checked_corofied.cpp), and
// corofy_check_sources tests that it is up to date.
#include <corofy/corofy.hpp>

coroutine<int> twice(int n) { return 2 * wait(corofy::Ready<int>(n)); }
