/*
 * STAND-IN for Limine's host tool (see README.md). `limine bios-install <image>` only records that
 * it ran: a line on stdout and <image>.standin-bios-install. It does not change the image.
 */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "bios-install") == 0) {
        FILE *image = fopen(argv[2], "rb");
        if (image == NULL) {
            fprintf(stderr, "stand-in limine: cannot open %s\n", argv[2]);
            return 1;
        }
        fclose(image);
        char record[4096];
        snprintf(record, sizeof record, "%s.standin-bios-install", argv[2]);
        FILE *r = fopen(record, "w");
        if (r == NULL) {
            fprintf(stderr, "stand-in limine: cannot write %s\n", record);
            return 1;
        }
        fprintf(r, "bios-install %s\n", argv[2]);
        fclose(r);
        printf("stand-in limine: bios-install %s (recorded; the image is not changed)\n", argv[2]);
        return 0;
    }
    fprintf(stderr, "stand-in limine: usage: limine bios-install <image>\n");
    return 1;
}
