/* kvconform.h: the subcommands of kvconform. Each returns the process exit code: 0 all passed,
 * 1 a test failed, 2 usage or setup error. */
#ifndef KVC_KVCONFORM_H
#define KVC_KVCONFORM_H

/* `kvconform server ...` (server.c): the server suites against an endpoint or a mock it starts. */
int kvc_server_main(int argc, char **argv);

/* `kvconform client ...` (client.c): grades a client through an adapter. */
int kvc_client_main(int argc, char **argv);

#endif
