// Included by main.cpp: touching it must re-run corofy (the depfile).
#pragma once
inline int answerBase() { return 40; }
