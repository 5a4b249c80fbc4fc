// Loopback HTTP servers for tests (GoogleTest only; header-only).
//
//   ZRING_START_SERVER_OR_SKIP(auto nginx, NginxServer::Start(dir, {.h2c = true}));
//   std::string url = nginx->base_url() + "/c/0/0";        // http://127.0.0.1:<port>/c/0/0
//
//   ZRING_START_SERVER_OR_SKIP(auto faults, FaultServer::Start(dir, {"--error-every", "3"}));
//   ASSERT_OK(faults->SetFaults(R"({"reset": true, "error_rate": 0.2})"));
//   ASSERT_OK_AND_ASSIGN(std::string stats_json, faults->Stats());
//
// NginxServer runs /usr/sbin/nginx unprivileged (single process, `daemon off`) on 127.0.0.1 and
// a free port, serving `root_dir` read-only (GET/HEAD, ranges, ETags); every path under
// /forbidden/ answers 403. `h2c` makes it speak HTTP/2 with prior knowledge (cleartext).
// FaultServer runs tests/remote/fault_server.py (read its header for the flags and the control
// endpoints /__faults, /__stats, /__reset) under python3.
//
// A missing nginx or python3 is Unavailable from Start(): ZRING_START_SERVER_OR_SKIP skips the
// test with that reason; any other start failure (a server that exits, or is not ready within
// 20 s) fails the test with the server's log. Each server lives in its own process group with a
// private temporary directory; the destructor kills the group, waits for it and removes the
// directory. A forked child must not destroy a server object (use _exit in children).
#ifndef ZRING_ENGINE_HTTP_TEST_SERVERS_H_
#define ZRING_ENGINE_HTTP_TEST_SERVERS_H_

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gtest/gtest.h"

extern char** environ;

namespace zring::engine::http::testing {

namespace test_servers_internal {

inline bool IsExecutable(const std::string& path) { return ::access(path.c_str(), X_OK) == 0; }

// First executable among `candidates`; names without '/' are searched on PATH.
inline std::string FindProgram(const std::vector<std::string>& candidates) {
  for (const std::string& c : candidates) {
    if (c.empty()) continue;
    if (c.find('/') != std::string::npos) {
      if (IsExecutable(c)) return c;
      continue;
    }
    const char* path = std::getenv("PATH");
    std::stringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
      if (!dir.empty() && IsExecutable(dir + "/" + c)) return dir + "/" + c;
    }
  }
  return "";
}

// A port nobody listens on right now (the kernel's choice for port 0). The server binds it a
// moment later; NginxServer retries with another port if it lost that race.
inline absl::StatusOr<int> FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError(std::string("socket: ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    int err = errno;
    ::close(fd);
    return absl::InternalError(std::string("bind 127.0.0.1:0: ") + std::strerror(err));
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

inline bool CanConnect(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

inline std::string ReadFileOrEmpty(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The repository root: $ZRING_SOURCE_ROOT, the ZRING_SOURCE_ROOT definition, or this header's
// __FILE__ (absolute, or relative to the build directory: an ancestor of the test executable).
inline std::string SourceRoot() {
  const std::string marker = "tests/remote/fault_server.py";
  auto has_marker = [&](const std::filesystem::path& root) {
    std::error_code ec;
    return std::filesystem::exists(root / marker, ec);
  };
  if (const char* env = std::getenv("ZRING_SOURCE_ROOT"); env != nullptr && has_marker(env)) {
    return env;
  }
#ifdef ZRING_SOURCE_ROOT
  if (has_marker(ZRING_SOURCE_ROOT)) return ZRING_SOURCE_ROOT;
#endif
  // __FILE__ ends in engine/http/test_servers.h: its root is three levels up.
  std::filesystem::path header(__FILE__);
  std::filesystem::path rel_root = header.parent_path().parent_path().parent_path();
  std::vector<std::filesystem::path> bases;
  std::error_code ec;
  bases.push_back(std::filesystem::current_path(ec));
  std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  for (std::filesystem::path p = exe.parent_path(); !p.empty() && p != p.parent_path();
       p = p.parent_path()) {
    bases.push_back(p);
  }
  if (rel_root.is_absolute()) bases.insert(bases.begin(), std::filesystem::path());
  for (const std::filesystem::path& base : bases) {
    std::filesystem::path root = rel_root.is_absolute() ? rel_root : base / rel_root;
    if (has_marker(root)) return std::filesystem::weakly_canonical(root, ec).string();
  }
  return "";
}

// A child process in its own process group; killed (group-wide) and reaped on destruction.
class Child {
 public:
  Child() = default;
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() { Stop(); }

  // stdout goes to `stdout_fd` (or the log file when -1), stderr to the log file.
  absl::Status Spawn(const std::vector<std::string>& argv, const std::string& log_path,
                     int stdout_fd) {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawn_file_actions_addopen(&actions, 2, log_path.c_str(),
                                     O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (stdout_fd >= 0) {
      posix_spawn_file_actions_adddup2(&actions, stdout_fd, 1);
    } else {
      posix_spawn_file_actions_adddup2(&actions, 2, 1);
    }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    int err = posix_spawn(&pid_, args[0], &actions, &attr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (err != 0) {
      pid_ = -1;
      return absl::InternalError("spawn " + argv[0] + ": " + std::strerror(err));
    }
    group_ = pid_;
    return absl::OkStatus();
  }

  // True (and reaped) when the child has exited.
  bool Exited() {
    if (pid_ <= 0) return true;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return true;
    }
    return false;
  }

  void Stop() {
    if (pid_ <= 0) return;
    ::kill(-pid_, SIGTERM);
    for (int i = 0; i < 200; ++i) {  // 2 s for a clean exit, then SIGKILL
      if (Exited()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (pid_ > 0) {
      ::kill(-pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
    if (group_ > 0) ::kill(-group_, SIGKILL);  // stragglers of the group (ESRCH when none)
    group_ = -1;
  }

  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  pid_t group_ = -1;  // == the first pid: POSIX_SPAWN_SETPGROUP with group 0
};

// A private temporary directory, removed on destruction.
inline absl::StatusOr<std::string> MakeTempDir(const std::string& tag) {
  const char* tmp = std::getenv("TMPDIR");
  std::string templ = std::string(tmp != nullptr ? tmp : "/tmp") + "/zring-" + tag + "-XXXXXX";
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr) {
    return absl::InternalError("mkdtemp " + templ + ": " + std::strerror(errno));
  }
  return std::string(buf.data());
}

}  // namespace test_servers_internal

// Common to both servers: the process, its port and its scratch directory.
class LoopbackServer {
 public:
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;
  virtual ~LoopbackServer() {
    child_.Stop();
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }

  // "http://127.0.0.1:<port>", no trailing '/'.
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }
  pid_t pid() const { return child_.pid(); }
  // The server's own log (stderr), for failure messages.
  std::string Log() const { return test_servers_internal::ReadFileOrEmpty(dir_ + "/server.log"); }

 protected:
  LoopbackServer() = default;

  // Waits until 127.0.0.1:port_ accepts connections, the child exits, or 20 s pass.
  absl::Status WaitReady(const std::string& what) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      if (child_.Exited()) {
        return absl::InternalError(what + " exited before accepting connections on port " +
                                   std::to_string(port_) + "; log:\n" + Log());
      }
      if (test_servers_internal::CanConnect(port_)) return absl::OkStatus();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return absl::DeadlineExceededError(what + " did not accept connections on port " +
                                       std::to_string(port_) + " within 20 s; log:\n" + Log());
  }

  test_servers_internal::Child child_;
  std::string dir_;
  int port_ = 0;
};

struct NginxOptions {
  bool h2c = false;  // HTTP/2 with prior knowledge on plain http://
  // HTTPS with HTTP/2 by ALPN, on a self-signed certificate for 127.0.0.1 made with the
  // openssl command (Unavailable when it is missing); ca_file() is the certificate to trust.
  bool tls = false;
};

class NginxServer : public LoopbackServer {
 public:
  static std::string Program() {
    return test_servers_internal::FindProgram({"/usr/sbin/nginx", "nginx"});
  }

  static absl::StatusOr<std::unique_ptr<NginxServer>> Start(const std::string& root_dir,
                                                            NginxOptions options = {}) {
    std::string nginx = Program();
    if (nginx.empty()) {
      return absl::UnavailableError("nginx not found (/usr/sbin/nginx or PATH): apt install nginx-light");
    }
    std::error_code ec;
    std::string root = std::filesystem::absolute(root_dir, ec).string();
    if (!std::filesystem::is_directory(root, ec)) {
      return absl::InvalidArgumentError("nginx root is not a directory: " + root_dir);
    }
    std::unique_ptr<NginxServer> server(new NginxServer());
    auto dir = test_servers_internal::MakeTempDir("nginx");
    if (!dir.ok()) return dir.status();
    server->dir_ = *dir;
    std::filesystem::create_directories(server->dir_ + "/logs", ec);
    if (options.tls) {
      absl::Status made = server->MakeCertificate();
      if (!made.ok()) return made;
    }
    absl::Status last;
    for (int attempt = 0; attempt < 5; ++attempt) {  // a lost port race: try another port
      auto port = test_servers_internal::FreePort();
      if (!port.ok()) return port.status();
      server->port_ = *port;
      std::string conf = server->dir_ + "/nginx.conf";
      {
        std::ofstream out(conf);
        out << server->Config(root, options);
      }
      absl::Status spawned = server->child_.Spawn(
          {nginx, "-e", server->dir_ + "/server.log", "-p", server->dir_, "-c", conf, "-g",
           "daemon off; master_process off; pid " + server->dir_ + "/nginx.pid;"},
          server->dir_ + "/server.log", -1);
      if (!spawned.ok()) return spawned;
      last = server->WaitReady("nginx");
      if (last.ok()) return server;
      server->child_.Stop();
    }
    return last;
  }

  // "https://127.0.0.1:<port>" with tls, else base_url().
  std::string url() const {
    return tls_ ? "https://127.0.0.1:" + std::to_string(port_) : base_url();
  }
  // The self-signed certificate (PEM) to pass as HttpOptions::ca_file; empty without tls.
  std::string ca_file() const { return tls_ ? dir_ + "/cert.pem" : ""; }

 private:
  NginxServer() = default;

  absl::Status MakeCertificate() {
    std::string openssl = test_servers_internal::FindProgram({"/usr/bin/openssl", "openssl"});
    if (openssl.empty()) return absl::UnavailableError("openssl command not found (for a TLS test)");
    test_servers_internal::Child child;
    absl::Status spawned = child.Spawn(
        {openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
         "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", dir_ + "/key.pem",
         "-out", dir_ + "/cert.pem"},
        dir_ + "/server.log", -1);
    if (!spawned.ok()) return spawned;
    for (int i = 0; i < 3000 && !child.Exited(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::error_code ec;
    if (!std::filesystem::exists(dir_ + "/cert.pem", ec)) {
      return absl::InternalError("openssl made no certificate; log:\n" + Log());
    }
    tls_ = true;
    return absl::OkStatus();
  }

  bool tls_ = false;

  std::string Config(const std::string& root, NginxOptions options) const {
    const std::string& d = dir_;
    std::ostringstream c;
    // Running as root, nginx would switch workers to `nobody`; stay the invoking user.
    if (::geteuid() == 0) c << "user root;\n";
    c << "worker_processes 1;\n"
      << "error_log " << d << "/server.log warn;\n"
      << "events { worker_connections 4096; }\n"
      << "http {\n"
      << "  access_log off;\n"
      << "  client_body_temp_path " << d << "/client_body;\n"
      << "  proxy_temp_path " << d << "/proxy;\n"
      << "  fastcgi_temp_path " << d << "/fastcgi;\n"
      << "  uwsgi_temp_path " << d << "/uwsgi;\n"
      << "  scgi_temp_path " << d << "/scgi;\n"
      << "  types { }\n"
      << "  default_type application/octet-stream;\n"
      << "  sendfile on;\n"
      << "  keepalive_requests 1000000;\n"
      << "  keepalive_timeout 120s;\n"
      << "  server {\n"
      << "    listen 127.0.0.1:" << port_ << (options.tls ? " ssl" : "")
      << (options.h2c || options.tls ? " http2" : "") << ";\n";
    if (options.tls) {
      c << "    ssl_certificate " << d << "/cert.pem;\n"
        << "    ssl_certificate_key " << d << "/key.pem;\n";
    }
    c
      << "    root " << root << ";\n"
      << "    location /forbidden/ { return 403; }\n"
      << "    location / { autoindex off; }\n"
      << "  }\n"
      << "}\n";
    return c.str();
  }
};

class FaultServer : public LoopbackServer {
 public:
  // $ZRING_PYTHON, /usr/bin/python3, or python3 on PATH (the script needs only the stdlib).
  static std::string Python() {
    const char* env = std::getenv("ZRING_PYTHON");
    return test_servers_internal::FindProgram(
        {env != nullptr ? env : "", "/usr/bin/python3", "python3"});
  }
  static std::string Script() {
    std::string root = test_servers_internal::SourceRoot();
    return root.empty() ? "" : root + "/tests/remote/fault_server.py";
  }

  // `extra_args`: fault_server.py flags (e.g. {"--seed", "7", "--error-rate", "0.3"}).
  static absl::StatusOr<std::unique_ptr<FaultServer>> Start(
      const std::string& root_dir, const std::vector<std::string>& extra_args = {}) {
    std::string python = Python();
    if (python.empty()) return absl::UnavailableError("python3 not found ($ZRING_PYTHON, /usr/bin/python3, PATH)");
    std::string script = Script();
    if (script.empty()) {
      return absl::UnavailableError(
          "tests/remote/fault_server.py not found (set ZRING_SOURCE_ROOT to the repository root)");
    }
    std::unique_ptr<FaultServer> server(new FaultServer());
    auto dir = test_servers_internal::MakeTempDir("faults");
    if (!dir.ok()) return dir.status();
    server->dir_ = *dir;
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
      return absl::InternalError(std::string("pipe: ") + std::strerror(errno));
    }
    std::vector<std::string> argv = {python, "-u", script, root_dir};
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    absl::Status spawned = server->child_.Spawn(argv, server->dir_ + "/server.log", pipe_fds[1]);
    ::close(pipe_fds[1]);
    if (!spawned.ok()) {
      ::close(pipe_fds[0]);
      return spawned;
    }
    absl::Status port = server->ReadPortLine(pipe_fds[0]);
    ::close(pipe_fds[0]);
    if (!port.ok()) return port;
    absl::Status ready = server->WaitReady("fault_server.py");
    if (!ready.ok()) return ready;
    return server;
  }

  // POST /__faults with a JSON object: its keys replace the current settings ({"reset": true}
  // first restores the command line's). Fails unless the server answers 200.
  absl::Status SetFaults(const std::string& json) {
    auto r = Control("POST", "/__faults", json);
    return r.ok() ? absl::OkStatus() : r.status();
  }
  // GET /__stats: the JSON counters (see fault_server.py).
  absl::StatusOr<std::string> Stats() { return Control("GET", "/__stats", ""); }
  // POST /__reset: zeroes the counters.
  absl::Status ResetStats() {
    auto r = Control("POST", "/__reset", "");
    return r.ok() ? absl::OkStatus() : r.status();
  }

  // One HTTP/1.1 exchange on a fresh connection (Connection: close); the body of a 200.
  absl::StatusOr<std::string> Control(const std::string& method, const std::string& path,
                                      const std::string& body) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return absl::InternalError(std::string("socket: ") + std::strerror(errno));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port_));
    timeval tv{10, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      ::close(fd);
      return absl::UnavailableError("connect to fault server: " + std::string(std::strerror(errno)));
    }
    std::string req = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" +
                      "Content-Type: application/json\r\nContent-Length: " +
                      std::to_string(body.size()) + "\r\n\r\n" + body;
    size_t sent = 0;
    while (sent < req.size()) {
      ssize_t n = ::send(fd, req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) break;
      sent += static_cast<size_t>(n);
    }
    std::string resp;
    char buf[4096];
    for (;;) {
      ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
      if (n <= 0) break;
      resp.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    size_t header_end = resp.find("\r\n\r\n");
    if (resp.compare(0, 12, "HTTP/1.1 200") != 0 && resp.compare(0, 12, "HTTP/1.0 200") != 0) {
      return absl::InternalError(method + " " + path + " on the fault server: " +
                                 resp.substr(0, 200));
    }
    return header_end == std::string::npos ? std::string() : resp.substr(header_end + 4);
  }

 private:
  FaultServer() = default;

  // The script's first stdout line is "PORT <n>".
  absl::Status ReadPortLine(int fd) {
    std::string line;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (line.find('\n') == std::string::npos) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        return absl::DeadlineExceededError("fault_server.py printed no PORT line within 20 s; log:\n" + Log());
      }
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char c[256];
      ssize_t n = ::read(fd, c, sizeof(c));
      if (n <= 0) {
        return absl::InternalError("fault_server.py exited before printing its port; log:\n" + Log());
      }
      line.append(c, static_cast<size_t>(n));
    }
    if (line.rfind("PORT ", 0) != 0) {
      return absl::InternalError("fault_server.py: expected 'PORT <n>', got: " + line);
    }
    port_ = std::atoi(line.c_str() + 5);
    if (port_ <= 0) return absl::InternalError("fault_server.py: bad port line: " + line);
    return absl::OkStatus();
  }
};

}  // namespace zring::engine::http::testing

// In a TEST body: `decl` = the server std::unique_ptr from `start_expr` (a StatusOr); skips the
// test (saying why) when the server's program is missing (Unavailable), fails it otherwise.
#define ZRING_START_SERVER_OR_SKIP(decl, start_expr)                                  \
  ZRING_START_SERVER_OR_SKIP_IMPL_(ZRING_SERVERS_CONCAT_(zring_server_, __LINE__), decl, \
                                   start_expr)
#define ZRING_SERVERS_CONCAT_INNER_(a, b) a##b
#define ZRING_SERVERS_CONCAT_(a, b) ZRING_SERVERS_CONCAT_INNER_(a, b)
#define ZRING_START_SERVER_OR_SKIP_IMPL_(so, decl, start_expr)                \
  auto so = (start_expr);                                                     \
  if (absl::IsUnavailable(so.status())) {                                     \
    GTEST_SKIP() << "loopback server unavailable: " << so.status().message(); \
  }                                                                           \
  ASSERT_TRUE(so.ok()) << so.status().ToString();                             \
  decl = std::move(so).value()

#endif  // ZRING_ENGINE_HTTP_TEST_SERVERS_H_
