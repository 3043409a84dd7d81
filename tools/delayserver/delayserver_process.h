//===- delayserver_process.h - The delayserver as a child process -*- C++ -*-===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//
//
// The integration tests run the real delayserver program: started on a free
// loopback port, its standard output read by a thread (the port it prints
// first, then one line per request), and stopped with SIGTERM. The tests
// use CheckedDelayServer (checked_delayserver.h), which also requires that
// it then exits with status 0; examples/run_with_delayserver uses this class
// as it is, without GoogleTest.
//
//===----------------------------------------------------------------------===//

#ifndef COROFY_TOOLS_DELAYSERVER_DELAYSERVER_PROCESS_H
#define COROFY_TOOLS_DELAYSERVER_DELAYSERVER_PROCESS_H

#include <corofy/net.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace corofy::testing {

class DelayServerProcess {
public:
  /// The delayserver beside this test program, or $DELAYSERVER.
  static std::string executable() {
    if (const char *Override = std::getenv("DELAYSERVER"))
      return Override;
    return (std::filesystem::read_symlink("/proc/self/exe").parent_path() /
            "delayserver")
        .string();
  }

  /// Starts it on 127.0.0.1, port 0, with `Extra` arguments, and waits
  /// until it says where it listens (std::runtime_error if it does not).
  explicit DelayServerProcess(std::vector<std::string> Extra = {}) {
    std::vector<std::string> Args = {"--address", "127.0.0.1", "--port", "0"};
    Args.insert(Args.end(), Extra.begin(), Extra.end());
    Pid = spawn(Args, Output);
    Reader = std::thread([this] { readLines(); });
    std::unique_lock<std::mutex> Lock(M);
    if (!Changed.wait_for(Lock, std::chrono::seconds(10),
                          [this] { return Address || Ended; }) ||
        !Address) {
      Lock.unlock();
      stop();
      throw std::runtime_error("the delayserver did not start:\n" + Printed);
    }
  }
  DelayServerProcess(const DelayServerProcess &) = delete;
  DelayServerProcess &operator=(const DelayServerProcess &) = delete;
  ~DelayServerProcess() { stop(); }

  pid_t pid() const { return Pid; }
  const net::SocketAddr &address() const { return *Address; }
  /// "http://127.0.0.1:<port>"
  std::string baseUrl() const { return "http://" + Address->to_string(); }

  /// The request lines ("#1 - 0ms: ...") printed so far, once there are
  /// `Count` of them or `Timeout` has passed.
  std::vector<std::string> requestLines(std::size_t Count,
                                        std::chrono::milliseconds Timeout) {
    std::unique_lock<std::mutex> Lock(M);
    Changed.wait_for(Lock, Timeout,
                     [&] { return Requests.size() >= Count || Ended; });
    return Requests;
  }

  /// Runs the delayserver with `Args` to the end: its exit status and
  /// what it printed (standard output and error).
  static std::pair<int, std::string> run(const std::vector<std::string> &Args) {
    int Pipe[2];
    pid_t Child = spawn(Args, Pipe);
    std::string Printed;
    char Buffer[4096];
    for (ssize_t N; (N = ::read(Pipe[0], Buffer, sizeof Buffer)) > 0;)
      Printed.append(Buffer, N);
    ::close(Pipe[0]);
    int Status = 0;
    ::waitpid(Child, &Status, 0);
    return {WIFEXITED(Status) ? WEXITSTATUS(Status) : -1, Printed};
  }

  /// Sends SIGTERM and returns the wait status; a server that has not
  /// exited 10 seconds later is killed. Later calls return the same status.
  int stop() {
    int &Status = StopStatus;
    if (Pid > 0) {
      ::kill(Pid, SIGTERM);
      pid_t Reaped = 0;
      for (int I = 0;
           I != 1000 && (Reaped = ::waitpid(Pid, &Status, WNOHANG)) == 0; ++I)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      if (Reaped == 0) {
        ::kill(Pid, SIGKILL);
        ::waitpid(Pid, &Status, 0);
      }
      Pid = -1;
    }
    if (Reader.joinable())
      Reader.join();
    if (Output[0] >= 0)
      ::close(std::exchange(Output[0], -1));
    return Status;
  }

  /// What it printed besides its address and its requests; complete once
  /// it is stopped.
  const std::string &printed() const { return Printed; }

private:
  /// Starts the program with its standard output and error on a new pipe,
  /// whose read end is left in `Pipe[0]`. The child is killed if this
  /// process dies first, so that a crashed test leaves no server behind.
  static pid_t spawn(const std::vector<std::string> &Args, int (&Pipe)[2]) {
    if (::pipe2(Pipe, O_CLOEXEC) != 0)
      throw std::runtime_error("pipe2");
    std::string Program = executable();
    std::vector<char *> Argv = {Program.data()};
    for (const std::string &Arg : Args)
      Argv.push_back(const_cast<char *>(Arg.c_str()));
    Argv.push_back(nullptr);
    pid_t Parent = ::getpid();
    pid_t Child = ::fork();
    if (Child == 0) {
      // Only async-signal-safe calls between fork and exec.
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != Parent)
        ::_exit(127);
      ::dup2(Pipe[1], STDOUT_FILENO);
      ::dup2(Pipe[1], STDERR_FILENO);
      ::execv(Program.c_str(), Argv.data());
      ::_exit(127);
    }
    ::close(Pipe[1]);
    if (Child < 0) {
      ::close(Pipe[0]);
      throw std::runtime_error("cannot start " + Program);
    }
    return Child;
  }

  void readLines() {
    std::string Pending;
    char Buffer[4096];
    for (ssize_t N; (N = ::read(Output[0], Buffer, sizeof Buffer)) > 0;) {
      Pending.append(Buffer, N);
      std::lock_guard<std::mutex> Lock(M);
      for (std::size_t End; (End = Pending.find('\n')) != std::string::npos;
           Pending.erase(0, End + 1))
        addLine(Pending.substr(0, End));
      Changed.notify_all();
    }
    std::lock_guard<std::mutex> Lock(M);
    Ended = true;
    Changed.notify_all();
  }

  void addLine(const std::string &Line) {
    const std::string Listening = "Listening on http://";
    if (!Address && Line.starts_with(Listening))
      Address = net::SocketAddr::parse(Line.substr(Listening.size()));
    else if (Line.starts_with("#"))
      Requests.push_back(Line);
    else
      Printed += Line + "\n"; // for the failure messages
  }

  pid_t Pid = -1;
  int Output[2] = {-1, -1};
  std::mutex M;
  std::condition_variable Changed;
  std::optional<net::SocketAddr> Address;
  std::vector<std::string> Requests;
  std::string Printed; // all other lines
  int StopStatus = 0;
  bool Ended = false;
  std::thread Reader;
};

} // namespace corofy::testing

#endif // COROFY_TOOLS_DELAYSERVER_DELAYSERVER_PROCESS_H
