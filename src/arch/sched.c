/*
** The queue scheduler: the fetch unit dispatches instructions in program
** order into the load, compute and store queues (insn_depth each); a queue
** runs its head instruction when every token it pops is waiting and every
** FIFO it pushes has room (token_depth). The dry-run checker and the
** executor both run programs through here, in the same deterministic
** order; a timing model can replace the order without touching the
** instructions' semantics. A state where nothing can move is a deadlock,
** reported with what each queue waits for. The program stays encoded (32
** bytes an instruction); each instruction is decoded when it is fetched,
** into its slot of the queue it waits in.
*/
#include "asicnn/arch.h"

#include <stdlib.h>
#include <string.h>

/* Why instruction d on queue q cannot run now, or NULL when it can. */
static const char *blocked(const an_isa_insn *d, an_isa_queue q, const int64_t tokens[4],
                           int64_t depth) {
    for (int i = 0; i < 2; i++) {
        if ((d->dep & NPU_DEP_POPS[i]) && tokens[npu_token_channel(q, NPU_DEP_POPS[i])] == 0)
            return NPU_CHANNEL_NAME[npu_token_channel(q, NPU_DEP_POPS[i])];
        if ((d->dep & NPU_DEP_PUSHES[i]) &&
            tokens[npu_token_channel(q, NPU_DEP_PUSHES[i])] >= depth)
            return NPU_CHANNEL_NAME[npu_token_channel(q, NPU_DEP_PUSHES[i])];
    }
    return NULL;
}

an_status npu_schedule(const an_insn *prog, int64_t n, const an_npu_config *c, const char *src,
                       npu_step_fn step, void *ctx) {
    const int64_t depth = c->insn_depth;
    const size_t slots = AN_QUEUE_COUNT * (size_t)depth;
    int64_t *ring = malloc(sizeof(int64_t) * slots);
    an_isa_insn *dec = malloc(sizeof *dec * slots); /* the decoded form of each slot */
    if (!ring || !dec) {
        free(ring), free(dec);
        return an_fail(AN_ERR_NOMEM, "%s: out of memory for the instruction queues", src);
    }
    int64_t head[AN_QUEUE_COUNT] = {0}, len[AN_QUEUE_COUNT] = {0}, tokens[4] = {0};
    int64_t pc = 0, done = 0;
    an_status s = AN_OK;
    while (!s && done < n) {
        int progress = 0;
        while (pc < n && !s) { /* fetch, in order, until a queue is full */
            const an_isa_queue q = an_insn_queue(&prog[pc]);
            if (len[q] == depth) break;
            const int64_t slot = q * depth + (head[q] + len[q]) % depth;
            if ((s = an_isa_decode(&prog[pc], &dec[slot])))
                s = an_fail_context(s, "%s: instruction %lld", src, (long long)pc);
            ring[slot] = pc++;
            len[q]++;
            progress = 1;
        }
        for (int q = 0; q < AN_QUEUE_COUNT && !s; q++) {
            while (len[q] && !s) {
                const int64_t i = ring[q * depth + head[q]];
                const an_isa_insn *d = &dec[q * depth + head[q]];
                if (blocked(d, (an_isa_queue)q, tokens, c->token_depth)) break;
                for (int k = 0; k < 2; k++)
                    if (d->dep & NPU_DEP_POPS[k])
                        tokens[npu_token_channel((an_isa_queue)q, NPU_DEP_POPS[k])]--;
                s = step(ctx, (an_isa_queue)q, i, d);
                for (int k = 0; k < 2; k++)
                    if (d->dep & NPU_DEP_PUSHES[k])
                        tokens[npu_token_channel((an_isa_queue)q, NPU_DEP_PUSHES[k])]++;
                head[q] = (head[q] + 1) % depth;
                len[q]--;
                done++;
                progress = 1;
            }
        }
        if (!s && !progress) {
            char why[512] = "";
            size_t at = 0;
            for (int q = 0; q < AN_QUEUE_COUNT; q++) {
                if (!len[q]) continue;
                const int64_t i = ring[q * depth + head[q]];
                const an_isa_insn *d = &dec[q * depth + head[q]];
                at += (size_t)snprintf(
                    why + at, sizeof why - at, "%s%s queue at instruction %lld (%s) waits on %s",
                    at ? "; " : "", AN_ISA_QUEUE_NAME[q], (long long)i, AN_ISA_OP_NAME[d->op],
                    blocked(d, (an_isa_queue)q, tokens, c->token_depth));
                if (at >= sizeof why) break;
            }
            if (pc < n && at < sizeof why)
                snprintf(why + at, sizeof why - at,
                         "; fetch waits at instruction %lld (%s queue full)", (long long)pc,
                         AN_ISA_QUEUE_NAME[an_insn_queue(&prog[pc])]);
            s = an_fail(AN_ERR_FORMAT, "%s: deadlock after %lld of %lld instructions: %s", src,
                        (long long)done, (long long)n, why);
        }
    }
    for (int ch = 0; ch < 4 && !s; ch++)
        if (tokens[ch])
            s = an_fail(AN_ERR_FORMAT, "%s: %lld token(s) left in the %s FIFO at the end", src,
                        (long long)tokens[ch], NPU_CHANNEL_NAME[ch]);
    free(ring);
    free(dec);
    return s;
}
