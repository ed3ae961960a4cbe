#include <stdio.h>
int main(void) { puts("rasflow"); return 0; }
