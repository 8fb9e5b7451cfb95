// libcurl's own per-request cost on this machine: one multi handle driven by a bare C loop,
// N concurrent keep-alive GETs (with headers like the gateway's) for S seconds; prints req/s
// and user/system CPU µs per request. The floor the upstream engine's curl thread compares to.
//
//   gcc -O2 -o /tmp/curl-floor scripts/bench/curl-floor.c -lcurl
//   /tmp/curl-floor [N=64] [SECONDS=5] [URL=http://127.0.0.1:9001/bench/item]
//
// Point it at a fast local backend (e.g. the peer bench's nginx on 9001) on 127.0.0.1 only.
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
static size_t sink(char *p, size_t s, size_t n, void *u) { (void)p; (void)u; return s * n; }
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 64; double secs = argc > 2 ? atof(argv[2]) : 5;
  const char *url = argc > 3 ? argv[3] : "http://127.0.0.1:9001/bench/item";
  curl_global_init(CURL_GLOBAL_ALL);
  CURLM *m = curl_multi_init();
  curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, (long)n);
  struct curl_slist *h = NULL;
  h = curl_slist_append(h, "Authorization: Bearer xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
  h = curl_slist_append(h, "X-Forwarded-For: 127.0.0.1"); h = curl_slist_append(h, "X-Forwarded-Proto: http");
  h = curl_slist_append(h, "X-Request-Id: 9f1c0e4a-6b2d-4c8e-a1f3-0d5e7b9c2a64"); h = curl_slist_append(h, "Accept:");
  for (int i = 0; i < n; i++) {
    CURL *e = curl_easy_init();
    curl_easy_setopt(e, CURLOPT_URL, url); curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, h); curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_multi_add_handle(m, e);
  }
  long done = 0; int running = 0; double start = now();
  struct rusage r0, r1; getrusage(RUSAGE_SELF, &r0);
  while (now() - start < secs) {
    curl_multi_perform(m, &running);
    CURLMsg *msg; int left;
    while ((msg = curl_multi_info_read(m, &left))) {
      if (msg->msg == CURLMSG_DONE) { CURL *e = msg->easy_handle; done++; curl_multi_remove_handle(m, e); curl_multi_add_handle(m, e); }
    }
    curl_multi_poll(m, NULL, 0, 100, NULL);
  }
  getrusage(RUSAGE_SELF, &r1);
  double el = now() - start;
  double u = (r1.ru_utime.tv_sec - r0.ru_utime.tv_sec) + (r1.ru_utime.tv_usec - r0.ru_utime.tv_usec) / 1e6;
  double s = (r1.ru_stime.tv_sec - r0.ru_stime.tv_sec) + (r1.ru_stime.tv_usec - r0.ru_stime.tv_usec) / 1e6;
  printf("n=%d req/s=%.0f cpu=%.0f%% user_us/req=%.1f sys_us/req=%.1f\n", n, done / el, (u + s) / el * 100, u / done * 1e6, s / done * 1e6);
  return 0;
}
