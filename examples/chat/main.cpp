// A chat server, beyond the book: every line a client sends reaches all the
// other clients. Each client is served by one task; a hand-written leaf
// future wakes that task when others have something to say to its client.
//
//   chat [host:port]   serves (default 127.0.0.1:8000); try `nc 127.0.0.1 8000`
//   chat --demo        serves on a free port and runs three scripted clients

#include <corofy/corofy.hpp>
#include <corofy/net.hpp>

#include <algorithm>
#include <cstdio>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace net = corofy::net;

// A connected client: the lines waiting to be sent to it, and the waker of
// the task that sends them.
struct Member {
  explicit Member(std::string name) : name(std::move(name)) {}

  std::string name;
  std::deque<std::string> outbox;
  corofy::Waker waker = corofy::Waker::noop();
  bool leaving = false;

  void send(std::string line) {
    outbox.push_back(std::move(line) + "\n");
    waker.wake();
  }
  void leave() {
    leaving = true;
    waker.wake();
  }
};

// Everyone connected. The runtime runs all tasks on the main thread, so
// the room needs no lock.
struct Room {
  std::vector<Member *> members;

  void broadcast(const Member &from, const std::string &line) {
    for (Member *member : members)
      if (member != &from)
        member->send(line);
  }
};

// A leaf future: the next line of a member's outbox, or nullopt once the
// member leaves. While there is none, send() or leave() wakes the task.
struct NextLine {
  using Output = std::optional<std::string>;
  Member &member;

  corofy::Poll<Output> poll(corofy::Context &cx) {
    if (!member.outbox.empty()) {
      std::string line = std::move(member.outbox.front());
      member.outbox.pop_front();
      return corofy::Poll<Output>::ready(std::move(line));
    }
    if (member.leaving)
      return corofy::Poll<Output>::ready(std::nullopt);
    member.waker = cx.waker();
    return corofy::Poll<Output>::pending();
  }
};

// The next line from `stream`, without its line break, or nullopt at the
// end of the stream; `pending` keeps the bytes read past the line.
coroutine<std::optional<std::string>> read_line(net::TcpStream &stream,
                                                std::string &pending) {
  std::size_t end;
  while ((end = pending.find('\n')) == std::string::npos) {
    char chunk[1024];
    net::Result<std::size_t> received = wait(stream.read_some(chunk));
    if (!received || *received == 0)
      return std::nullopt;
    pending.append(chunk, *received);
  }
  std::string line = pending.substr(0, end);
  pending.erase(0, end + 1);
  if (line.ends_with('\r')) // from telnet
    line.pop_back();
  return line;
}

// Passes each line the client sends on to everyone else, until it hangs up.
coroutine<void> relay_lines(net::TcpStream &stream, std::string &pending,
                            Room &room, Member &member) {
  while (std::optional<std::string> line = wait(read_line(stream, pending)))
    room.broadcast(member, member.name + ": " + *line);
  member.leave();
}

// Sends the client what the others said, until it leaves.
coroutine<void> send_lines(net::TcpStream &stream, Member &member) {
  while (std::optional<std::string> line = wait(NextLine{member}))
    if (!wait(stream.write_all(*line)))
      return {};
}

coroutine<void> serve_client(net::TcpStream stream, Room &room) {
  std::string pending;
  if (!wait(stream.write_all("* Welcome! What is your name?\n")))
    return {};
  std::optional<std::string> name = wait(read_line(stream, pending));
  if (!name)
    return {};
  // The task owns this frame and never moves it: the room may point at it.
  Member member{*name};
  std::string others;
  for (const Member *other : room.members)
    others += (others.empty() ? "" : ", ") + other->name;
  member.send("* Hello " + *name +
              ". Also here: " + (others.empty() ? "nobody" : others));
  room.broadcast(member, "* " + *name + " joined");
  room.members.push_back(&member);
  // Reading and writing wait side by side, in this one task.
  wait(corofy::join(relay_lines(stream, pending, room, member),
                    send_lines(stream, member)));
  std::erase(room.members, &member);
  room.broadcast(member, "* " + *name + " left");
}

// Accepts clients, each served by a task of its own.
coroutine<void> serve(net::TcpListener listener, Room &room) {
  for (;;) {
    net::Result<net::Accepted> accepted = wait(listener.accept());
    if (!accepted) {
      std::fprintf(stderr, "chat: accept: %s\n",
                   accepted.error().message().c_str());
      return {};
    }
    corofy::spawn(serve_client(std::move(accepted->stream), room));
  }
}

// --demo: three clients join one after the other, greet each other all at
// once and print what they heard; then alice leaves.
struct Client {
  std::string name;
  net::TcpStream stream;
  std::string pending; // read past the last line
};

coroutine<Client> join_chat(std::string address, std::string name) {
  Client client{name, wait(net::TcpStream::connect(address)).value(), ""};
  wait(read_line(client.stream, client.pending)); // the server's question
  std::string answer = name + "\n";
  wait(client.stream.write_all(answer)).value();
  std::printf("%s got: %s\n", name.c_str(),
              wait(read_line(client.stream, client.pending)).value().c_str());
  return client;
}

// Says hello, then listens until `others` greetings have arrived.
coroutine<std::string> greet(Client &client, int others) {
  std::string hello = "hello from " + client.name + "\n";
  wait(client.stream.write_all(hello)).value();
  std::vector<std::string> heard;
  while (others > 0) {
    heard.push_back(wait(read_line(client.stream, client.pending)).value());
    if (!heard.back().starts_with('*'))
      --others;
  }
  std::sort(heard.begin(), heard.end()); // greetings arrive in any order
  std::string report = client.name + " heard:";
  for (const std::string &line : heard)
    report += "\n  " + line;
  return report;
}

coroutine<void> demo(std::string address) {
  Client alice = wait(join_chat(address, "alice"));
  Client bob = wait(join_chat(address, "bob"));
  Client carol = wait(join_chat(address, "carol"));
  std::vector<coroutine<std::string>> greetings;
  greetings.push_back(greet(alice, 2));
  greetings.push_back(greet(bob, 2));
  greetings.push_back(greet(carol, 2));
  std::vector<std::string> reports =
      wait(corofy::join_all(std::move(greetings)));
  for (const std::string &report : reports)
    std::printf("%s\n", report.c_str());
  alice.stream.shutdown().value();
  std::printf("bob got: %s\n",
              wait(read_line(bob.stream, bob.pending)).value().c_str());
}

int main(int argc, char **argv) {
  std::string_view arg = argc > 1 ? argv[1] : "127.0.0.1:8000";
  bool run_demo = arg == "--demo";
  net::Result<net::TcpListener> listener =
      net::TcpListener::bind(run_demo ? "127.0.0.1:0" : arg);
  if (!listener) {
    std::fprintf(stderr, "chat: cannot listen on %.*s: %s\n",
                 static_cast<int>(arg.size()), arg.data(),
                 listener.error().message().c_str());
    return 1;
  }
  net::SocketAddr address = listener->local_addr();
  Room room; // outlives the runtime, whose tasks point at it
  corofy::Runtime runtime;
  if (run_demo) {
    runtime.spawn(serve(std::move(*listener), room));
    runtime.block_on(demo(address.to_string()));
    return 0;
  }
  std::printf("Chat server on %s; connect with: nc %s %u\n",
              address.to_string().c_str(), address.ip().c_str(),
              static_cast<unsigned>(address.port()));
  std::fflush(stdout);
  runtime.block_on(serve(std::move(*listener), room));
  return 1; // serve() ends only when accepting fails
}
