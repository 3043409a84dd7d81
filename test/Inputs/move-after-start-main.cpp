// The main program of Transform/move-after-start.cpp: it uses the frame class
// by name, which only exists in corofy's output (included as TRANSFORMED).
#include TRANSFORMED

#include <cstring>
#include <vector>

int main(int, char **argv) {
  if (std::strcmp(argv[1], "before") == 0) {
    // Frames moved while the vector grows, before any of them is polled.
    std::vector<counter_frame> frames;
    for (int i = 0; i < 5; ++i)
      frames.push_back(counter_frame(i * 10));
    int sum = 0;
    for (counter_frame &frame : frames)
      sum += pollToEnd(frame);
    std::printf("sum %d\n", sum);
    return 0;
  }
  counter_frame frame(1);
  corofy::Waker waker = corofy::Waker::noop();
  corofy::Context cx(waker);
  (void)frame.poll(cx);
  std::printf("started\n");
  std::fflush(stdout);
  counter_frame moved(std::move(frame));
  std::printf("not reached\n");
}
