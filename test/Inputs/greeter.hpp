// A coroutine declared in a header; Transform/header-declared.cpp defines it.
#ifndef COROFY_TEST_INPUTS_GREETER_HPP
#define COROFY_TEST_INPUTS_GREETER_HPP

#include <corofy/corofy.hpp>
#include <string>

coroutine<std::string> greet(const std::string &name, int times);

#endif
