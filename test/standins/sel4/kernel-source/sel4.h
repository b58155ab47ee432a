/* STAND-IN for libsel4's headers: not seL4. */
#pragma once
