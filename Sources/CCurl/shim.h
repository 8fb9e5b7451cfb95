#ifndef SCOPEGATE_CCURL_SHIM_H
#define SCOPEGATE_CCURL_SHIM_H

#include <curl/curl.h>

/*
 * Typed wrappers around libcurl's variadic entry points, which Swift cannot import
 * (curl_easy_setopt, curl_easy_getinfo, curl_multi_setopt). One wrapper per
 * argument type; the caller is responsible for passing an option of that type.
 */

/* Callback shapes: write/header/read share one signature (curl.h: curl_write_callback, curl_read_callback). */
typedef size_t (*scopegate_curl_data_callback)(char *buffer, size_t size, size_t nitems, void *userdata);
typedef int (*scopegate_curl_seek_callback)(void *userdata, curl_off_t offset, int origin);

static inline CURLcode scopegate_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode scopegate_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

/* For string options libcurl copies the string (curl_easy_setopt(3), since 7.17.0). */
static inline CURLcode scopegate_easy_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

/* For CURLOPT_*DATA, CURLOPT_PRIVATE and CURLOPT_ERRORBUFFER: not copied, must outlive the transfer. */
static inline CURLcode scopegate_easy_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

/* Lists are not copied: the slist must outlive the transfer. */
static inline CURLcode scopegate_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode scopegate_easy_setopt_data_callback(CURL *handle, CURLoption option, scopegate_curl_data_callback callback) {
    return curl_easy_setopt(handle, option, callback);
}

static inline CURLcode scopegate_easy_setopt_seek_callback(CURL *handle, CURLoption option, scopegate_curl_seek_callback callback) {
    return curl_easy_setopt(handle, option, callback);
}

/*
 * CURLOPT_PREREQFUNCTION (since 7.80.0): called when a connection, new or reused, is about to
 * carry a request; CURLOPT_CLOSESOCKETFUNCTION: closes a socket libcurl is done with.
 */
typedef int (*scopegate_curl_prereq_callback)(void *clientp, char *conn_primary_ip, char *conn_local_ip, int conn_primary_port, int conn_local_port);
typedef int (*scopegate_curl_closesocket_callback)(void *clientp, curl_socket_t item);

static inline CURLcode scopegate_easy_setopt_prereq_callback(CURL *handle, scopegate_curl_prereq_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_PREREQFUNCTION, callback);
}

static inline CURLcode scopegate_easy_setopt_closesocket_callback(CURL *handle, scopegate_curl_closesocket_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_CLOSESOCKETFUNCTION, callback);
}

/* CURLINFO_ACTIVESOCKET: the socket of the transfer's connection, CURL_SOCKET_BAD when there is none. */
static inline CURLcode scopegate_easy_getinfo_socket(CURL *handle, CURLINFO info, curl_socket_t *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode scopegate_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode scopegate_easy_getinfo_pointer(CURL *handle, CURLINFO info, void **value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLMcode scopegate_multi_setopt_long(CURLM *multi, CURLMoption option, long value) {
    return curl_multi_setopt(multi, option, value);
}

/* CURLMsg.data is a union; for CURLMSG_DONE its member is the transfer's result. */
static inline CURLcode scopegate_multi_message_result(const CURLMsg *message) {
    return message->data.result;
}

/* Multi-interface callbacks (curl_multi_socket_action(3)): CURLMOPT_SOCKETFUNCTION and CURLMOPT_TIMERFUNCTION. */
typedef int (*scopegate_curl_socket_callback)(CURL *easy, curl_socket_t socket, int what, void *userp, void *socketp);
typedef int (*scopegate_curl_timer_callback)(CURLM *multi, long timeout_ms, void *userp);

static inline CURLMcode scopegate_multi_setopt_pointer(CURLM *multi, CURLMoption option, void *value) {
    return curl_multi_setopt(multi, option, value);
}

static inline CURLMcode scopegate_multi_setopt_socket_callback(CURLM *multi, scopegate_curl_socket_callback callback) {
    return curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, callback);
}

static inline CURLMcode scopegate_multi_setopt_timer_callback(CURLM *multi, scopegate_curl_timer_callback callback) {
    return curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, callback);
}

#ifdef __linux__
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <errno.h>
#include <stdint.h>

/*
 * epoll and eventfd for the curl threads. `struct epoll_event` is packed on x86_64, which
 * Swift does not import reliably, so events cross the boundary as two plain arrays.
 */
static inline int scopegate_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

/* op: EPOLL_CTL_ADD, _MOD or _DEL; events: EPOLLIN | EPOLLOUT (level-triggered). Returns 0 or errno. */
static inline int scopegate_epoll_ctl(int epfd, int op, int fd, uint32_t events) {
    struct epoll_event event = { .events = events, .data = { .fd = fd } };
    return epoll_ctl(epfd, op, fd, &event) == 0 ? 0 : errno;
}

/* Waits up to timeout_ms (-1: forever); fills fds[i] and events[i]; returns the count, 0 on EINTR. */
static inline int scopegate_epoll_wait(int epfd, int *fds, uint32_t *events, int capacity, int timeout_ms) {
    struct epoll_event ready[256];
    if (capacity > 256) capacity = 256;
    int count = epoll_wait(epfd, ready, capacity, timeout_ms);
    if (count < 0) return errno == EINTR ? 0 : -1;
    for (int i = 0; i < count; i++) { fds[i] = ready[i].data.fd; events[i] = ready[i].events; }
    return count;
}

static inline int scopegate_eventfd_create(void) { return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK); }
static inline void scopegate_eventfd_signal(int fd) { uint64_t one = 1; (void)!write(fd, &one, sizeof one); }
static inline void scopegate_eventfd_drain(int fd) { uint64_t value; (void)!read(fd, &value, sizeof value); }
#endif

#endif
