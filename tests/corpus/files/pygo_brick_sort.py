# Pyvorin test corpus file (tests/corpus/CREDITS.md). The code below this header is
# unchanged from its source:
#   repository: OmkarPathak/pygorithm (GitHub)
#   path:       pygorithm/sorting/brick_sort.py
#   commit:     be35813729a0151da1ac9ba013453a61ffa249b8
#   licence:    MIT (OmkarPathak/pygorithm LICENSE, Copyright (c) 2017 Omkar Pathak)
def brick_sort(arr):
    """Performs an odd-even in-place sort, which is a variation of a bubble
    sort.

    https://www.geeksforgeeks.org/odd-even-sort-brick-sort/

    :param arr: the array of values to sort
    :return: the sorted array
    """
    # Initially array is unsorted
    is_sorted = False
    while not is_sorted:
        is_sorted = True

        for i in range(1, len(arr) - 1, 2):
            if arr[i] > arr[i + 1]:
                arr[i], arr[i + 1] = arr[i + 1], arr[i]
                is_sorted = False

        for i in range(0, len(arr) - 1, 2):
            if arr[i] > arr[i + 1]:
                arr[i], arr[i + 1] = arr[i + 1], arr[i]
                is_sorted = False

    return arr
